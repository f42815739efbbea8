/**
 * How a stdio session ends, as netcat users expect: a listener typed in a terminal exits by itself once
 * the transfer is done (ncat's rule), pipes keep full half-close, --recv-only / --send-only, and honest
 * exit codes when a byte could not be read or written.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, BUN, killAll, pseudoRandom, sha256, spawnCli, startListener } from "../helpers/cli.ts";
import { startEchoServer } from "../helpers/echo.ts";
import { freePort } from "../../bench/lib.ts";

afterEach(killAll);

const hasScript = Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode === 0;
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

describe("stdio ends as netcat users expect", () => {
  test.skipIf(!hasScript)("README's first example, listener typed in a terminal (script): both exit 0 within 3 s of the last byte", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bondcat-tty-"));
    try {
      const port = await freePort();
      const out = join(dir, "backup.tar");
      // script gives the listener a pseudo-terminal as stdin; our pipe into script stays open (nobody types).
      const l = Bun.spawn(["script", "-qec", `${q(BUN)} ${q(BIN)} -l -p ${port} > ${q(out)}`, "/dev/null"], {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "pipe",
      });
      let text = "";
      const reading = (async () => {
        for await (const c of l.stdout) text += new TextDecoder().decode(c);
      })();
      for (let t = Date.now(); !text.includes("listening on"); await Bun.sleep(20)) {
        if (Date.now() - t > 20_000) throw new Error(`listener did not start: ${text}`);
      }
      const data = pseudoRandom(8 << 20, 3);
      const c = spawnCli([`127.0.0.1:${port}`], { stdin: data, stdout: "ignore" });
      expect(await c.exited).toBe(0);
      const lastByte = Date.now();
      const exited = await Promise.race([l.exited, Bun.sleep(3000).then(() => "still running")]);
      expect(exited).toBe(0);
      expect(Date.now() - lastByte).toBeLessThan(3000);
      await reading;
      expect(sha256(readFileSync(out))).toBe(sha256(data));
      l.stdin.end();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("a pipe on stdin keeps half-close: the listener's reply is not cut when the client is done", async () => {
    const { cli: l, port } = await startListener([], { stdin: "pipe", stdout: "keep" });
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "request\n", stdout: "keep" });
    for (let t = Date.now(); l.stdoutText() !== "request\n"; await Bun.sleep(20)) {
      if (Date.now() - t > 20_000) throw new Error("request did not arrive");
    }
    await Bun.sleep(300); // the client's FIN is in: neither side may end yet
    expect(await l.exitedWithin(0)).toBeNull();
    await l.write("reply\n");
    await l.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stdoutText()).toBe("reply\n");
  }, 60_000);

  test("--recv-only: never reads stdin (left open), finishes at once; both exit 0", async () => {
    const { cli: l, port } = await startListener(["--recv-only"], { stdin: "pipe", stdout: "hash" });
    const data = pseudoRandom(4 << 20, 5);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: data, stdout: "keep" });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(await l.stdoutSha256()).toBe(sha256(data));
    expect(c.stdout().length).toBe(0);
  }, 60_000);

  test("--send-only: what arrives is discarded; both exit 0", async () => {
    const echo = startEchoServer();
    try {
      const { cli: l, port } = await startListener(["--relay", `127.0.0.1:${echo.port}`]);
      const c = spawnCli(["--send-only", `127.0.0.1:${port}`], { stdin: pseudoRandom(1 << 20, 6), stdout: "keep" });
      await c.expectExit(0);
      await l.expectExit(0);
      expect(c.stdout().length).toBe(0);
      expect(echo.bytes).toBe(1 << 20);
    } finally {
      echo.close();
    }
  }, 60_000);

  test("--recv-only with --send-only, or with --relay, is a usage error", async () => {
    await spawnCli(["--recv-only", "--send-only", "127.0.0.1:1"]).expectExit(2);
    await spawnCli(["-l", "--send-only", "--relay", "127.0.0.1:1"]).expectExit(2);
  }, 30_000);
});

describe("honest exit codes", () => {
  test("stdin that cannot be read (a directory): exit 1 with the reason; the peer exits 1", async () => {
    const { cli: l, port } = await startListener([]);
    const c = spawnCli([`127.0.0.1:${port}`], { command: ["sh", "-c", `exec ${q(BUN)} ${q(BIN)} "$@" < ${q(tmpdir())}`, "sh"] });
    await c.expectExit(1);
    await l.expectExit(1);
    expect(c.stderr).toMatch(/EISDIR/);
    expect(c.stderr.trim().split("\n").filter((s) => /EISDIR/.test(s))).toHaveLength(1);
  }, 60_000);

  test("output refused at the end (the reader left with bytes unread): exit 1, not 0", async () => {
    const port = await freePort();
    // The reader holds the pipe without reading, then leaves: the last bytes can never be written.
    const l = Bun.spawn(["sh", "-c", `(${q(BUN)} ${q(BIN)} -l -p ${port} < /dev/null; echo "rc=$?" >&2) | sleep 3`], { stdout: "ignore", stderr: "pipe" });
    let lerr = "";
    const reading = (async () => {
      for await (const c of l.stderr) lerr += new TextDecoder().decode(c);
    })();
    for (let t = Date.now(); !lerr.includes("listening on"); await Bun.sleep(20)) {
      if (Date.now() - t > 20_000) throw new Error(`listener did not start: ${lerr}`);
    }
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: pseudoRandom((1 << 20) + 100_000, 8), stdout: "ignore" });
    await c.exited;
    await l.exited;
    await reading;
    expect(lerr).toContain("rc=1");
    expect(lerr).toMatch(/EPIPE|output/);
  }, 60_000);
});
