/**
 * Signals end to end: the first SIGINT/SIGTERM/SIGHUP finishes sessions cleanly (FIN after what was
 * sent), a second aborts at once (130 / 143); a -k listener stops accepting and lets live sessions end.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { killAll, spawnCli, startListener, waitFor } from "../helpers/cli.ts";
import { type EchoServer, startEchoServer } from "../helpers/echo.ts";

let echo: EchoServer;
beforeAll(() => {
  echo = startEchoServer();
});
afterEach(killAll);
afterAll(() => echo.close());

describe("signals", () => {
  test("first SIGINT on a client: input stops, FIN after the bytes already sent, both exit 0", async () => {
    const { cli: l, port } = await startListener([], { stdout: "keep" }); // stdin /dev/null: FIN at once
    const c = spawnCli(["-x", "2", `127.0.0.1:${port}`], { stdin: "pipe" });
    await c.write("sent before Ctrl-C\n");
    await waitFor(() => l.stdoutText() === "sent before Ctrl-C\n", 20_000, "the line at the listener");
    c.signal("SIGINT");
    await c.expectExit(0);
    await l.expectExit(0);
    expect(l.stdoutText()).toBe("sent before Ctrl-C\n");
  }, 60_000);

  test("a second SIGINT aborts (130); the peer learns why and exits 1", async () => {
    const { cli: l, port } = await startListener([], { stdin: "pipe" }); // never finishes its side
    const c = spawnCli(["-v", `127.0.0.1:${port}`], { stdin: "pipe" });
    await c.waitForStderr(/session \w+ open over/);
    c.signal("SIGINT");
    await c.waitForStderr(/SIGINT: finishing the stream/);
    expect(c.proc.exitCode).toBeNull(); // waiting for the listener's FIN, which never comes
    c.signal("SIGINT");
    await c.expectExit(130);
    await l.expectExit(1);
    expect(l.stderr).toContain("peer got SIGINT");
  }, 60_000);

  test("SIGTERM on a -k relay listener: stops accepting, the live session goes on and ends cleanly, exit 143", async () => {
    const { cli: l, port } = await startListener(["-k", "--relay", `127.0.0.1:${echo.port}`]);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe", stdout: "keep" });
    await c.write("one\n");
    await waitFor(() => c.stdoutText() === "one\n", 20_000, "the first echo");
    l.signal("SIGTERM");
    await l.waitForStderr(/SIGTERM: finishing the stream/);
    const late = spawnCli([`127.0.0.1:${port}`]);
    await late.expectExit(3); // nobody listens any more
    expect(l.proc.exitCode).toBeNull();
    await c.write("two\n");
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(143); // as when idle: a -k listener's code says what stopped it
    // The relay stopped reading its target on SIGTERM, so "two" may or may not come back; "one" did.
    expect(c.stdoutText().startsWith("one\n")).toBe(true);
  }, 60_000);

  test("SIGTERM on an idle -k listener: nothing to flush, exit 143 at once", async () => {
    const { cli: l } = await startListener(["-k"]);
    l.signal("SIGTERM");
    await l.expectExit(143);
  }, 30_000);

  test("SIGHUP (ssh ending its ProxyCommand) finishes quietly and cleanly", async () => {
    const { cli: l, port } = await startListener([], { stdout: "keep" });
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe" });
    await c.write("proxied\n");
    await waitFor(() => l.stdoutText() === "proxied\n", 20_000, "the line at the listener");
    c.signal("SIGHUP");
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stderr).not.toContain("SIGHUP"); // nothing printed on the terminal ssh leaves behind
  }, 60_000);
});
