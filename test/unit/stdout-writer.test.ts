/**
 * StdoutWriter against a reader that starts late: writes are kept (not lost) while the pipe is full,
 * and finish() writes everything out — also when the pipe was already non-blocking when we got it
 * (a parent's pipe: restoring "blocking" then changes nothing, and EAGAIN must be waited out).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const CHILD = join(import.meta.dir, "..", "helpers", "stdout-writer-child.ts");

async function run(mode: "pre" | "normal"): Promise<{ received: number; log: string }> {
  const p = Bun.spawn(["sh", "-c", `'${process.execPath}' '${CHILD}' ${mode} | (sleep 0.5; wc -c)`], { stdout: "pipe", stderr: "pipe" });
  const [received, log] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text()]);
  await p.exited;
  return { received: Number(received.trim()), log };
}

describe("StdoutWriter", () => {
  test("a late reader gets every byte; writes were kept, not dropped", async () => {
    const r = await run("normal");
    expect(r.received).toBe(4 << 20);
    expect(r.log).toMatch(/kept [1-9]/);
  });

  test("a pipe that was non-blocking before: finish() still writes everything", async () => {
    const r = await run("pre");
    expect(r.received).toBe(4 << 20);
  });
});
