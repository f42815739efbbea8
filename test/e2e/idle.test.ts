/**
 * -i / --idle-timeout end to end. Bounds are generous (a shared, slow machine): "closes" means within
 * 10 s for a 1 s timeout; the exact moment is never asserted.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";

afterEach(killAll);

describe("bondcat -i", () => {
  test("-i 1s on the listener closes an idle session whose peer keeps its input open: exit 0", async () => {
    const { cli: l, port } = await startListener(["-i", "1s"]);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe", stdout: "keep" });
    await c.write("before the silence\n");
    const t0 = Date.now();
    expect(await l.exitedWithin(10_000)).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900); // it did wait for the timeout
    expect(l.stderr).toContain("idle for 1s");
    expect(l.stdoutBytes).toBe("before the silence\n".length);
    // The peer is told (an ABORT with the timeout reason), so it does not wait out a grace period, and
    // an idle close is a normal end there too.
    expect(await c.exitedWithin(10_000)).toBe(0);
    expect(c.stderr).toContain("idle for 1s");
  }, 60_000);

  test("--idle-timeout on the connecting side; a peer that has finished too makes it a fully clean close", async () => {
    const { cli: l, port } = await startListener([]); // stdin /dev/null: the listener FINs at once
    const c = spawnCli(["--idle-timeout", "1s", `127.0.0.1:${port}`], { stdin: "pipe" });
    expect(await c.exitedWithin(10_000)).toBe(0);
    expect(await l.exitedWithin(10_000)).toBe(0);
    expect(l.stderr).not.toContain("abort");
  }, 60_000);

  test("data keeps the session alive: -idle-timeout=3s with a line every 100 ms for 4 s", async () => {
    const { cli: l, port } = await startListener(["-idle-timeout=3s"], { stdout: "keep" });
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe" });
    let sent = "";
    const t0 = Date.now();
    for (let i = 0; Date.now() - t0 < 4000; i++) {
      const line = `tick ${i}\n`;
      await c.write(line);
      sent += line;
      await Bun.sleep(100);
    }
    expect(l.proc.exitCode).toBeNull(); // 4 s > 3 s, but never 3 s without data
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(l.stdoutText()).toBe(sent);
  }, 60_000);
});
