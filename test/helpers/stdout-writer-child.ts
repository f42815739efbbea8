/** Child for test/unit/stdout-writer.test.ts: writes 4 MiB through StdoutWriter into a slow reader. */
import { setNonBlocking } from "../../src/io/fd-flags.ts";
const pre = process.argv[2] === "pre";
if (pre) setNonBlocking(1); // simulate a parent that handed us a non-blocking pipe (restore = no-op later)
const { StdoutWriter } = await import("../../src/io/stdout-writer.ts");
const w = new StdoutWriter(1);
const b = new Uint8Array(4 << 20).fill(120);
let kept = 0;
for (let i = 0; i < 8; i++) if (!w.write(b.subarray(i * (512 << 10), (i + 1) * (512 << 10)))) kept++;
w.finish();
console.error("kept", kept, "bytes", w.bytes);
