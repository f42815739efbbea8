/**
 * ws:// and wss:// listeners before the HTTP upgrade: Bun.serve shows nothing of a connection until its
 * request is complete, so the front (transports/proxy-front.ts + upgrade-gate.ts) holds the deadline
 * from TCP accept and the pending caps. Raw-socket attackers (a TLS socket for wss, so the slowloris
 * is inside TLS, beside a bare TCP connection that never starts TLS); a legitimate session beside them delivers identical data. Loose bounds only.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { killAll, pseudoRandom, sha256, spawnCli, startListener } from "../helpers/cli.ts";
import { RawClient } from "../helpers/raw-client.ts";

afterEach(killAll);
const live: Array<{ destroy(): void }> = [];
afterEach(() => {
  for (const c of live.splice(0)) c.destroy();
});

/** A connection as the attacker holds it: plain TCP for ws, a finished TLS handshake for wss. */
interface Attacker {
  send(s: string): void;
  closedAt(): number | null;
  closedWithin(ms: number): Promise<number | null>;
}

async function open(port: number, secure: boolean): Promise<Attacker> {
  if (!secure) {
    const c = await RawClient.open(port);
    live.push(c);
    return { send: (s) => c.send(s), closedAt: () => c.closedAt, closedWithin: (ms) => c.closedWithin(ms) };
  }
  const s: TLSSocket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  live.push(s);
  let at: number | null = null;
  const closed = new Promise<number>((r) => s.on("close", () => r((at = performance.now()))));
  s.on("error", () => {});
  await Promise.race([new Promise((r) => s.once("secureConnect", r)), closed]);
  return {
    send: (x) => void s.write(x),
    closedAt: () => at,
    closedWithin: (ms) => Promise.race([closed, Bun.sleep(ms).then(() => null)]),
  };
}

for (const scheme of ["ws", "wss"] as const) {
  const secure = scheme === "wss";
  describe(`${scheme}:// before the upgrade`, () => {
    test("a silent connection and a slowloris are closed at the handshake timeout from accept; a session beside them is intact", async () => {
      const { cli, port } = await startListener(["-k", "--handshake-timeout", "1s", "--listen", `${scheme}://127.0.0.1:0/b`, "-e", "cat"]);
      const t0 = performance.now();
      const silent = await open(port, secure); // for wss: after a finished TLS handshake
      const bare = await RawClient.open(port); // not a byte: for wss, a TLS handshake never started
      live.push(bare);
      const slow = await open(port, secure);
      slow.send("GET /b HTTP/1.1\r\nHost: x\r\nX-Slow: ");
      const drip = setInterval(() => slow.closedAt() === null && slow.send("a"), 150);
      const data = pseudoRandom(1 << 20, 7);
      const client = spawnCli([...(secure ? ["--insecure"] : []), `${scheme}://127.0.0.1:${port}/b`], { stdin: data });
      try {
        for (const c of [silent, bare, slow]) {
          const at = await c.closedWithin(6000);
          expect(at).not.toBeNull();
          expect(at! - t0).toBeGreaterThan(700);
          expect(at! - t0).toBeLessThan(4000);
        }
      } finally {
        clearInterval(drip);
      }
      expect(await client.exited).toBe(0);
      expect(await client.stdoutSha256()).toBe(sha256(data));
      await cli.waitForStderr(/rejected: no WebSocket upgrade within 1000 ms of accept/);
    }, 30_000);

    test("pending upgrades past the per-address cap are dropped at accept; a slot frees when one goes", async () => {
      const { cli, port } = await startListener(["-k", "--max-handshakes-per-addr", "3", "--handshake-timeout", "5s", "--listen", `${scheme}://127.0.0.1:0/b`]);
      const held = [await RawClient.open(port), await RawClient.open(port), await RawClient.open(port)];
      live.push(...held);
      await Bun.sleep(200);
      const extra = [await RawClient.open(port), await RawClient.open(port)];
      live.push(...extra);
      for (const c of extra) expect(await c.closedWithin(2000)).not.toBeNull();
      for (const c of held) expect(c.closedAt).toBeNull();
      await cli.waitForStderr(/refused before the WebSocket upgrade: 3 handshakes pending from 127\.0\.0\.1/);
      held[0]!.destroy();
      await Bun.sleep(200);
      const again = await RawClient.open(port);
      live.push(again);
      expect(await again.closedWithin(500)).toBeNull();
    }, 30_000);
  });
}

test("ws: pending upgrades in total past --max-handshakes are dropped at accept", async () => {
  const { port } = await startListener(["-k", "--max-handshakes", "2", "--handshake-timeout", "5s", "--listen", "ws://127.0.0.1:0/b"]);
  const held = [await RawClient.open(port), await RawClient.open(port)];
  live.push(...held);
  await Bun.sleep(200);
  const extra = await RawClient.open(port);
  live.push(extra);
  expect(await extra.closedWithin(2000)).not.toBeNull();
  for (const c of held) expect(c.closedAt).toBeNull();
}, 30_000);

test("ws: more than 64 KiB before the upgrade is dropped at once; a health check kept alive is closed at the deadline without a warning", async () => {
  const { cli, port } = await startListener(["-k", "--handshake-timeout", "1500ms", "--listen", "ws://127.0.0.1:0/b"]);
  const big = await RawClient.open(port);
  const kept = await RawClient.open(port);
  live.push(big, kept);
  const t0 = performance.now();
  big.send(`GET /b HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(70 << 10)}`);
  kept.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  expect(new TextDecoder().decode(await kept.read(12))).toBe("HTTP/1.1 200");
  const at = await big.closedWithin(5000);
  expect(at).not.toBeNull();
  const keptAt = await kept.closedWithin(5000);
  expect(keptAt).not.toBeNull();
  expect(keptAt! - t0).toBeGreaterThan(1000); // kept alive until the deadline, not closed by the answer
  await Bun.sleep(200);
  expect(cli.stderr).not.toMatch(/healthz|kept alive/);
  expect(at! - t0).toBeLessThan(1000); // at the cap, not at the deadline
  expect(cli.stderr).toMatch(/rejected: more than 65536 bytes before the WebSocket upgrade/);
}, 30_000);
