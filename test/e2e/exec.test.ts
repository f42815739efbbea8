/** -e / --exec end to end: a program per session, with the session as its stdin and stdout. */
import { afterEach, describe, expect, test } from "bun:test";
import { killAll, pseudoRandom, sha256, spawnCli, startListener } from "../helpers/cli.ts";

const MiB = 1 << 20;
afterEach(killAll);

describe("bondcat -e", () => {
  test("-e sha256sum returns the digest of what the client sent", async () => {
    const input = pseudoRandom(8 * MiB, 11);
    const { cli: l, port } = await startListener(["-e", "sha256sum"]);
    const c = spawnCli(["-x", "2", `127.0.0.1:${port}`], { stdin: input, stdout: "keep" });
    await c.expectExit(0);
    expect(c.stdoutText()).toBe(`${sha256(input)}  -\n`);
    await l.expectExit(0);
  }, 60_000);

  test("-e cat echoes 32 MiB both ways at once (backpressure on stdin and stdout of the program)", async () => {
    const input = pseudoRandom(32 * MiB, 12);
    const { cli: l, port } = await startListener(["--exec", "cat"]);
    const c = spawnCli(["-x", "3", `127.0.0.1:${port}`], { stdin: input });
    await c.expectExit(0);
    expect(c.stdoutBytes).toBe(input.length);
    expect(await c.stdoutSha256()).toBe(sha256(input));
    await l.expectExit(0);
  }, 60_000);

  test("-k: every session runs its own program", async () => {
    const { cli: l, port } = await startListener(["-k", "-exec", "sh -c 'read name; echo \"hi $name from $$\"'"]);
    const names = ["ann", "bob", "cy", "dee", "eve"];
    const clients = names.map((n) => spawnCli([`127.0.0.1:${port}`], { stdin: `${n}\n`, stdout: "keep" }));
    const pids = new Set<string>();
    for (const [i, c] of clients.entries()) {
      await c.expectExit(0);
      const m = /^hi (\w+) from (\d+)\n$/.exec(c.stdoutText());
      expect(m?.[1]).toBe(names[i]!);
      pids.add(m?.[2] ?? "");
    }
    expect(pids.size).toBe(names.length);
    expect(l.proc.exitCode).toBeNull();
  }, 60_000);

  test("a program that exits non-zero: its output arrives, the session closes cleanly, a warning is logged", async () => {
    const { cli: l, port } = await startListener(["-e", "sh -c 'echo bye; exit 3'"]);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe", stdout: "keep" });
    // The program never reads: the client's input still open does not keep it alive, and closing it ends the session.
    await l.waitForStderr(/exited with code 3/);
    await c.endInput();
    await c.expectExit(0);
    expect(c.stdoutText()).toBe("bye\n");
    await l.expectExit(0);
  }, 60_000);

  test("connect mode: the connecting side runs the program", async () => {
    const input = pseudoRandom(2 * MiB, 13);
    const { cli: l, port } = await startListener([], { stdin: input, stdout: "keep" });
    const c = spawnCli(["-e", "sha256sum", `127.0.0.1:${port}`]);
    await c.expectExit(0);
    await l.expectExit(0);
    expect(l.stdoutText()).toBe(`${sha256(input)}  -\n`);
  }, 60_000);

  test("a missing program is a usage error (exit 2) before anything listens", async () => {
    const c = spawnCli(["-l", "-e", "no-such-program-bondcat --flag"]);
    await c.expectExit(2);
    expect(c.stderr).toContain("no-such-program-bondcat not found");
    expect(c.stderr).not.toContain("listening on");
  }, 30_000);
});
