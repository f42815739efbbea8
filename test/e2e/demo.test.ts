/** The README's quick start: `npm start` runs the local demo, which checks itself (sha256, exit codes). */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

test("npm start: the demo transfers 64 MiB across a path that goes silent, byte-identical", async () => {
  const p = Bun.spawn([process.execPath, join(ROOT, "bench", "demo.ts")], { stdout: "pipe", stderr: "pipe" });
  const [code, out] = await Promise.all([p.exited, new Response(p.stdout).text()]);
  expect(code).toBe(0);
  expect(out).toContain("✔ byte-identical");
  // The silent path's bytes are resent elsewhere: by the doubt rule (about a round trip), or — when the
  // transfer outlasts it — because the path is given up as stalled.
  expect(out).toMatch(/subflow .*(in doubt: \d+ bytes resent|down: .*stalled)/);
}, 60_000);
