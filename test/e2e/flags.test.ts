/**
 * The original bondcat's flag spellings, each driven through the real binary with an observable effect:
 * single-dash long flags (-listen -relay -multiplier -no-auto-detect -idle-timeout -benchmark -verbose
 * -exec) and the short ones (-4 -6 -a -b -i -l -p -v -x -e). Unknown flags fail with a hint.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { killAll, sha256, spawnCli, startListener } from "../helpers/cli.ts";
import { type EchoServer, startEchoServer } from "../helpers/echo.ts";

let echo: EchoServer;
beforeAll(() => {
  echo = startEchoServer();
});
afterEach(killAll);
afterAll(() => echo.close());

const subflowsUp = (stderr: string): number => stderr.match(/subflow up/g)?.length ?? 0;
const ipv6 = existsSync("/proc/net/if_inet6") && readFileSync("/proc/net/if_inet6", "utf8").includes("lo");

describe("the original's flag spellings", () => {
  test("-listen -4 -verbose | -multiplier 3 -no-auto-detect -verbose", async () => {
    const l = spawnCli(["-listen", "-4", "-verbose"], { stdout: "keep" });
    const port = await l.waitForPort();
    expect(l.stderr).toMatch(/listening on tcp:\/\/0\.0\.0\.0:\d+/);
    const c = spawnCli(["-multiplier", "3", "-no-auto-detect", "-verbose", `127.0.0.1:${port}`], { stdin: "long flags\n" });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(l.stdoutText()).toBe("long flags\n");
    expect(subflowsUp(c.stderr)).toBe(3);
    expect(l.stderr).toContain("[debug]");
  }, 60_000);

  test.skipIf(!ipv6)("-l -6 -p PORT | -6 -x 2 -a -v [::1]:PORT", async () => {
    const probe = Bun.listen({ hostname: "::1", port: 0, socket: { data() {} } });
    const fixed = probe.port;
    probe.stop(true);
    const l = spawnCli(["-l", "-6", "-p", String(fixed)], { stdout: "keep" });
    expect(await l.waitForPort()).toBe(fixed);
    expect(l.stderr).toMatch(/listening on tcp:\/\/\[::\]:\d+/);
    const c = spawnCli(["-6", "-x", "2", "-a", "-v", `[::1]:${fixed}`], { stdin: "short flags\n" });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(l.stdoutText()).toBe("short flags\n");
    expect(subflowsUp(c.stderr)).toBe(2);
  }, 60_000);

  test("-relay HOST:PORT", async () => {
    const l = spawnCli(["-l", "-relay", `127.0.0.1:${echo.port}`]);
    const port = await l.waitForPort();
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "relayed\n", stdout: "keep" });
    await c.expectExit(0);
    expect(c.stdoutText()).toBe("relayed\n");
    await l.expectExit(0);
  }, 60_000);

  test.each([["-exec"], ["-e"]])("%s 'CMD ARGS'", async (flag) => {
    const l = spawnCli(["-l", flag, "sha256sum -b"]);
    const port = await l.waitForPort();
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "digest me", stdout: "keep" });
    await c.expectExit(0);
    expect(c.stdoutText()).toBe(`${sha256("digest me")} *-\n`);
    await l.expectExit(0);
  }, 60_000);

  test.each([["-idle-timeout", "1s"], ["-i", "1"]])("%s %s", async (flag, value) => {
    const { cli: l, port } = await startListener([flag, value]);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe" });
    expect(await l.exitedWithin(10_000)).toBe(0);
    expect(l.stderr).toContain("idle for 1s");
    expect(await c.exitedWithin(10_000)).not.toBeNull();
  }, 60_000);

  test.each([["-benchmark"], ["-b"]])("%s", async (flag) => {
    const { cli: l, port } = await startListener([flag]);
    const c = spawnCli([flag, "-duration", "1s", `127.0.0.1:${port}`]);
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stderr).toMatch(/benchmark done after [\d.]+s: TX [\d.]+ \S+ /);
    expect(l.stderr).toMatch(/benchmark done after [\d.]+s: TX [\d.]+ \S+ /);
  }, 60_000);
});

describe("unknown flags", () => {
  test.each([
    [["-lisen"], "unknown option -lisen; did you mean -listen?"],
    [["-relya", "h:1", "-l"], "unknown option -relya; did you mean -relay?"],
    [["--multiplyer", "2", "h:1"], "unknown option --multiplyer; did you mean --multiplier?"],
    [["--frobnicate", "h:1"], "unknown option --frobnicate (see bondcat --help)"],
  ])("%p exits 2 with a hint", async (argv, message) => {
    const c = spawnCli(argv);
    await c.expectExit(2);
    expect(c.stderr).toContain(message);
    expect(c.stderr).not.toContain("listening on");
  }, 30_000);
});
