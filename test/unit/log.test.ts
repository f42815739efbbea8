import { describe, expect, test } from "bun:test";
import { join } from "node:path";

const LOG_MODULE = join(import.meta.dir, "../../src/log.ts");

/** Run a tiny script using src/log.ts in a fresh process; return what it wrote where. */
async function runLogging(body: string): Promise<{ stdout: string; stderr: string; code: number }> {
  const script = `import { log, setVerbosity } from ${JSON.stringify(LOG_MODULE)};\n${body}\n`;
  const proc = Bun.spawn([process.execPath, "-e", script], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", CONSOLA_LEVEL: "" },
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { stdout, stderr, code };
}

describe("log", () => {
  test("every level goes to stderr, nothing to stdout", async () => {
    const r = await runLogging(`
      setVerbosity(5);
      log.error("m-error"); log.warn("m-warn"); log.log("m-log"); log.info("m-info");
      log.success("m-success"); log.debug("m-debug"); log.trace("m-trace");
    `);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    for (const m of ["m-error", "m-warn", "m-log", "m-info", "m-success", "m-debug", "m-trace"]) {
      expect(r.stderr).toContain(m);
    }
  });

  test("verbosity 0 shows info but not debug; 1 adds debug; 2 adds trace; -1 is silent", async () => {
    const r = await runLogging(`
      for (const v of [0, 1, 2, -1]) {
        setVerbosity(v);
        log.warn("w" + v); log.info("i" + v); log.debug("d" + v); log.trace("t" + v);
      }
    `);
    expect(r.stdout).toBe("");
    const seen = (m: string): boolean => new RegExp(`\\b${m}\\b`).test(r.stderr);
    expect([seen("w0"), seen("i0"), seen("d0"), seen("t0")]).toEqual([true, true, false, false]);
    expect([seen("w1"), seen("i1"), seen("d1"), seen("t1")]).toEqual([true, true, true, false]);
    expect([seen("w2"), seen("i2"), seen("d2"), seen("t2")]).toEqual([true, true, true, true]);
    expect([seen("w-1"), seen("i-1"), seen("d-1"), seen("t-1")]).toEqual([false, false, false, false]);
  });
});
