/**
 * --relay end to end: a real listener process relays every session to a TCP target started by the
 * test (an echo server, or a "digest" server that answers after the client's FIN).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { createHash, type Hash } from "node:crypto";
import { killAll, pseudoRandom, sha256, spawnCli, startListener, waitFor } from "../helpers/cli.ts";
import { type EchoServer, startEchoServer } from "../helpers/echo.ts";

const MiB = 1 << 20;
let echo: EchoServer;

beforeAll(() => {
  echo = startEchoServer();
});
afterEach(killAll);
afterAll(() => echo.close());

interface DigestConn {
  hash: Hash;
  bytes: number;
}

/**
 * Reads until the client's FIN (pausing its reads for `stallMs` once, to push back on the relay), then
 * answers "<bytes> <sha256>\n" plus `extra` bytes, and closes.
 */
function startDigestServer(o: { stallMs?: number; extra?: Uint8Array } = {}) {
  let stalled = false;
  const server = Bun.listen<DigestConn>({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(s) {
        s.data = { hash: createHash("sha256"), bytes: 0 };
      },
      data(s, d) {
        s.data.hash.update(d);
        s.data.bytes += d.length;
        if (o.stallMs && !stalled) {
          stalled = true;
          s.pause();
          setTimeout(() => s.resume(), o.stallMs);
        }
      },
      end(s: Socket<DigestConn>) {
        const reply = Buffer.concat([Buffer.from(`${s.data.bytes} ${s.data.hash.digest("hex")}\n`), o.extra ?? new Uint8Array(0)]);
        let pos = 0;
        const pump = (): void => {
          while (pos < reply.length) {
            const n = s.write(reply.subarray(pos));
            if (n <= 0) return void setTimeout(pump, 5);
            pos += n;
          }
          s.shutdown();
        };
        pump();
      },
      drain() {},
      error() {},
    },
  });
  return { port: server.port, close: () => server.stop(true) };
}

describe("bondcat --relay", () => {
  test("-k serves 50 concurrent sessions of 1 MiB echo each: all correct, no cross-talk", async () => {
    const before = echo.accepted;
    const { cli: l, port } = await startListener(["-k", "-v", "--relay", `127.0.0.1:${echo.port}`]);
    const inputs = Array.from({ length: 50 }, (_, i) => pseudoRandom(MiB, 1000 + i));
    const clients = inputs.map((data) => spawnCli([`127.0.0.1:${port}`], { stdin: data }));
    for (const [i, c] of clients.entries()) {
      await c.expectExit(0);
      expect(c.stdoutBytes).toBe(MiB);
      expect(await c.stdoutSha256()).toBe(sha256(inputs[i]!));
    }
    expect(echo.accepted - before).toBe(50);
    // Still serving afterwards (-k), one more session works.
    expect(l.proc.exitCode).toBeNull();
    const again = spawnCli(["-x", "2", `127.0.0.1:${port}`], { stdin: "once more\n", stdout: "keep" });
    await again.expectExit(0);
    expect(again.stdoutText()).toBe("once more\n");
    await waitFor(() => (l.stderr.match(/closed cleanly/g)?.length ?? 0) === 51, 15_000, "51 clean closes");
    expect(l.stderr).not.toContain("failed");
  }, 120_000);

  test("half-close both ways: the target answers after the client's FIN; a stalled target pushes back", async () => {
    const extra = pseudoRandom(24 * MiB, 5);
    const digest = startDigestServer({ stallMs: 300, extra });
    try {
      const { cli: l, port } = await startListener(["--relay", `127.0.0.1:${digest.port}`]);
      const input = pseudoRandom(32 * MiB, 9);
      const c = spawnCli(["-x", "3", `127.0.0.1:${port}`], { stdin: input, stdout: "keep" });
      await c.expectExit(0);
      const out = c.stdout();
      const nl = out.indexOf(10);
      expect(new TextDecoder().decode(out.subarray(0, nl))).toBe(`${input.length} ${sha256(input)}`);
      expect(sha256(out.subarray(nl + 1))).toBe(sha256(extra));
      // Without -k the listener served one session and is done.
      await l.expectExit(0);
    } finally {
      digest.close();
    }
  }, 120_000);

  test("an unreachable target fails that session (exit 1) and a -k listener keeps serving", async () => {
    const dead = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const deadPort = dead.port;
    dead.stop(true);
    const { cli: l, port } = await startListener(["-k", "--relay", `127.0.0.1:${deadPort}`]);
    const c = spawnCli([`127.0.0.1:${port}`], { stdin: "pipe" });
    await c.expectExit(1);
    expect(c.stderr).toContain(`relay target 127.0.0.1:${deadPort}`);
    expect(l.proc.exitCode).toBeNull();
  }, 60_000);

  test("relay in connect mode: the connecting side relays, the listener uses stdio", async () => {
    const input = pseudoRandom(4 * MiB, 3);
    const { cli: l, port } = await startListener([], { stdin: input });
    const c = spawnCli(["--relay", `127.0.0.1:${echo.port}`, "-x", "2", `127.0.0.1:${port}`]);
    await c.expectExit(0);
    await l.expectExit(0);
    expect(await l.stdoutSha256()).toBe(sha256(input));
  }, 60_000);
});
