/**
 * A real OpenSSH server behind a `bondcat -l -k --relay` listener, reached by the real ssh/scp
 * clients with `ProxyCommand='bondcat -x 3 127.0.0.1:PORT'`: concurrent sessions, and 64 MiB by scp
 * both ways, sha256-identical. Skipped (with the reason printed) where sshd cannot run.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, BUN, type Cli, killAll, pseudoRandom, sha256, spawnCli, startListener, waitFor } from "../helpers/cli.ts";
import { type Sshd, sshUnavailable, startSshd } from "../helpers/sshd.ts";

const why = sshUnavailable();
if (why !== null) console.log(`skipping the OpenSSH tests: ${why}`);

const MiB = 1 << 20;
let dir: string;
let sshd: Sshd;
let relay: { cli: Cli; port: number };
let proxy: string;

beforeAll(async () => {
  if (why !== null) return;
  dir = mkdtempSync(join(tmpdir(), "bondcat-ssh-"));
  sshd = await startSshd(dir);
  relay = await startListener(["-k", "-v", "--relay", `127.0.0.1:${sshd.port}`]);
  proxy = `${BUN} ${BIN} -x 3 127.0.0.1:${relay.port}`;
}, 60_000);

afterAll(async () => {
  if (why !== null) return;
  await killAll();
  await sshd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ssh(command: string, stdin: "pipe" | "ignore" = "ignore"): Cli {
  return spawnCli([...sshd.options(proxy), `${sshd.user}@${sshd.hostAlias}`, command], {
    command: ["ssh"],
    stdin,
    stdout: "keep",
  });
}

function scp(from: string, to: string): Cli {
  return spawnCli([...sshd.options(proxy), "-q", from, to], { command: ["scp"] });
}

describe.skipIf(why !== null)("ssh through a bondcat relay", () => {
  test("two concurrent ssh sessions run commands", async () => {
    const a = ssh(`read line; echo "a:$line"`, "pipe");
    const b = ssh("echo b:$((6 * 7)); uname -s");
    await b.expectExit(0);
    expect(b.stdoutText()).toBe("b:42\nLinux\n");
    // a was open all along (waiting for its line) while b logged in, ran and finished.
    expect(a.proc.exitCode).toBeNull();
    await a.write("hello over bondcat\n");
    await a.endInput();
    await a.expectExit(0);
    expect(a.stdoutText()).toBe("a:hello over bondcat\n");
    expect(relay.cli.proc.exitCode).toBeNull(); // -k: still serving
  }, 60_000);

  test("scp of 64 MiB up and back arrives sha256-identical", async () => {
    const data = pseudoRandom(64 * MiB, 7);
    const want = sha256(data);
    const src = join(dir, "src.bin");
    const remote = join(dir, "remote.bin");
    const back = join(dir, "back.bin");
    writeFileSync(src, data);
    const up = scp(src, `${sshd.user}@${sshd.hostAlias}:${remote}`);
    await up.expectExit(0);
    expect(sha256(await Bun.file(remote).bytes())).toBe(want);
    const down = scp(`${sshd.user}@${sshd.hostAlias}:${remote}`, back);
    await down.expectExit(0);
    expect(sha256(await Bun.file(back).bytes())).toBe(want);
  }, 120_000);

  test("the relay listener is still up and stops on SIGTERM", async () => {
    const opened = relay.cli.stderr.match(/session \w+ opened/g)?.length ?? 0;
    expect(opened).toBeGreaterThanOrEqual(4);
    // ssh ends its ProxyCommand with SIGHUP: the clients finished their sessions cleanly instead of
    // vanishing (which would leave the listener's sessions waiting out their 30 s grace period).
    const count = (re: RegExp): number => relay.cli.stderr.match(re)?.length ?? 0;
    await waitFor(() => count(/session \w+ closed cleanly/g) === count(/session \w+ opened/g), 15_000, "every session closed");
    expect(relay.cli.stderr).not.toContain("failed");
    relay.cli.signal("SIGTERM");
    // No session left: nothing to flush, so it stops at once with 143 (128 + SIGTERM).
    await relay.cli.expectExit(143);
  }, 30_000);
});
