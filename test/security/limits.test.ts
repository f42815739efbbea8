/**
 * Operator limits (--max-sessions, --max-sessions-per-addr): what is refused gets REFUSED and a log
 * line, never a crash. And logs cannot be forged: a peer's ABORT reason reaches stderr escaped.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { encodeAbort } from "../../src/core/frame.ts";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";
import type { RawClient } from "../helpers/raw-client.ts";
import { rawOpen } from "../helpers/raw-handshake.ts";

afterEach(killAll);
const live: RawClient[] = [];
afterEach(() => {
  for (const c of live.splice(0)) c.destroy();
});
async function open(port: number): Promise<number> {
  const r = await rawOpen(port);
  live.push(r.c);
  return r.status;
}

describe("session limits", () => {
  test("--max-sessions: the next OPEN gets REFUSED and a log line; the listener keeps serving", { timeout: 30_000 }, async () => {
    const { cli, port } = await startListener(["-k", "-e", "cat", "--max-sessions", "2"]);
    expect(await open(port)).toBe(0);
    expect(await open(port)).toBe(0);
    expect(await open(port)).toBe(4); // REFUSED
    await cli.waitForStderr(/session refused: 2 sessions open \(--max-sessions\)/);
    // a client resets its session before sending anything: the listener drops it after the short
    // grace for sessions that never received a byte (not the 30 s failover grace), and takes a new one
    const t0 = performance.now();
    live.shift()!.destroy();
    await cli.waitForStderr(/failed: no subflow for 10 s/, 20_000);
    expect(performance.now() - t0).toBeLessThan(15_000);
    const c = spawnCli(["-i", "5s", `127.0.0.1:${port}`], { stdin: "still here\n", stdout: "keep" });
    await c.expectExit(0);
    expect(c.stdoutText()).toBe("still here\n");
    expect(cli.proc.exitCode).toBeNull();
  });

  test("--max-sessions-per-addr counts sessions from one source address", async () => {
    const { cli, port } = await startListener(["-k", "-e", "cat", "--max-sessions-per-addr", "1"]);
    expect(await open(port)).toBe(0);
    expect(await open(port)).toBe(4);
    await cli.waitForStderr(/session refused: 1 sessions open from 127\.0\.0\.1 \(--max-sessions-per-addr\)/);
  });

  test("--compat v0: v0 sessions count against --max-sessions for v1 OPENs too", async () => {
    const { cli, port } = await startListener(["-k", "-v", "--compat", "v0", "-e", "cat", "--max-sessions", "1"]);
    const v0 = spawnCli(["--compat", "v0", `127.0.0.1:${port}`], { stdin: "pipe" });
    await cli.waitForStderr(/session \w+ opened/);
    expect(await open(port)).toBe(4); // REFUSED: the v0 session holds the one slot
    await cli.waitForStderr(/session refused: 1 sessions open \(--max-sessions\)/);
    v0.proc.kill();
  });

  test("limits are listen-mode flags, validated before anything opens", async () => {
    for (const args of [["--max-sessions", "0", "-l"], ["--max-sessions", "x", "-l"], ["--handshake-timeout", "5ms", "-l"], ["--max-sessions", "3", "127.0.0.1:1"]]) {
      const c = spawnCli(args);
      await c.expectExit(2);
    }
  });
});

describe("logs cannot be forged", () => {
  test("an ABORT reason with ESC, CR and LF is escaped in the listener's stderr", async () => {
    const { cli, port } = await startListener(["-k", "-e", "cat"]);
    const r = await rawOpen(port);
    live.push(r.c);
    expect(r.status).toBe(0);
    r.c.send(encodeAbort(1, "\u001b[2J\u009b31m gone\r\n[info] forged log line"));
    await cli.waitForStderr(/peer aborted the session/);
    await Bun.sleep(100);
    const err = cli.stderr;
    expect(err).toContain("\\x1b[2J\\x9b31m gone\\r\\n[info] forged log line");
    expect(err).not.toMatch(/[\u001b\u009b\r]/);
    expect(err.split("\n").filter((l) => l.startsWith("[info] forged"))).toEqual([]);
  });
});
