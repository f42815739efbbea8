/**
 * Every connection has a deadline until it is useful: refused pipes that the client keeps open, pipes
 * that send nothing or trickle bytes, TLS clients that never finish their TLS handshake. Caps on
 * pending handshakes (total and per address). Raw-socket attackers; loose bounds (timings: BENCHMARKS.md).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { startOpen } from "../../src/core/handshake.ts";
import { killAll, startListener } from "../helpers/cli.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { randomId, refusedHello } from "../helpers/raw-handshake.ts";

afterEach(killAll);
const live: RawClient[] = [];
afterEach(() => {
  for (const c of live.splice(0)) c.destroy();
});
async function raw(port: number): Promise<RawClient> {
  const c = await RawClient.open(port);
  live.push(c);
  return c;
}

describe("deadlines", () => {
  test("refused handshakes (UNKNOWN_SESSION, BAD_VERSION, SESSION_EXISTS) are closed within 2 s though the client keeps them open", async () => {
    const { port } = await startListener(["-k"]);
    const id = randomId();
    const opening = await raw(port);
    opening.send(startOpen("", id).hello); // an OPEN that never sends its PROOF: its id is taken
    await opening.read(104);
    const cases = [
      { r: await refusedHello(port, "unknown-session"), status: 2 },
      { r: await refusedHello(port, "bad-version"), status: 1 },
      { r: await refusedHello(port, "exists", id), status: 3 },
    ];
    const t0 = performance.now();
    for (const { r, status } of cases) {
      live.push(r.c);
      expect(r.status).toBe(status);
    }
    for (const { r } of cases) {
      const at = await r.c.closedWithin(4000);
      expect(at).not.toBeNull();
      expect(at! - t0).toBeLessThan(2000);
      expect(at! - t0).toBeGreaterThan(500); // closed by the listener's linger, not by the client
    }
  });

  test("a pipe that sends nothing, or trickles a byte at a time, is closed at the handshake timeout from accept", async () => {
    const { port } = await startListener(["-k", "--handshake-timeout", "1s"]);
    const silent = await raw(port);
    const trickle = await raw(port);
    const t0 = performance.now();
    const hello = startOpen("", randomId()).hello;
    let i = 0;
    const drip = setInterval(() => trickle.closedAt === null && i < hello.length && trickle.send(hello.subarray(i, ++i)), 150);
    try {
      for (const c of [silent, trickle]) {
        const at = await c.closedWithin(5000);
        expect(at).not.toBeNull();
        expect(at! - t0).toBeGreaterThan(700);
        expect(at! - t0).toBeLessThan(3000);
      }
    } finally {
      clearInterval(drip);
    }
  });

  test("a TLS client that never finishes its TLS handshake is dropped at the deadline", async () => {
    const l = await startListener(["-k", "--handshake-timeout", "1s", "--listen", "tls://127.0.0.1:0"]);
    const c = await raw(l.port);
    c.send(new Uint8Array([0x16, 0x03, 0x01])); // the first bytes of a ClientHello, and no more
    const t0 = performance.now();
    const at = await c.closedWithin(5000);
    expect(at).not.toBeNull();
    expect(at! - t0).toBeLessThan(3000);
  });
});

describe("pending-handshake caps", () => {
  test("per source address: connections past the cap are dropped at once, the others wait for their deadline", async () => {
    const { cli, port } = await startListener(["-k", "--max-handshakes-per-addr", "3", "--handshake-timeout", "5s"]);
    const held = [await raw(port), await raw(port), await raw(port)];
    await Bun.sleep(200);
    const extra = [await raw(port), await raw(port)];
    for (const c of extra) expect(await c.closedWithin(2000)).not.toBeNull();
    for (const c of held) expect(c.closedAt).toBeNull();
    await cli.waitForStderr(/rejected: refused before the handshake: 3 handshakes pending from 127\.0\.0\.1/);
    // a slot frees when a held one goes: a new connection is accepted again
    held[0]!.destroy();
    await Bun.sleep(200);
    const again = await raw(port);
    expect(await again.closedWithin(500)).toBeNull();
  });

  test("in total", async () => {
    const { port } = await startListener(["-k", "--max-handshakes", "2", "--handshake-timeout", "5s"]);
    const held = [await raw(port), await raw(port)];
    await Bun.sleep(200);
    const extra = await raw(port);
    expect(await extra.closedWithin(2000)).not.toBeNull();
    for (const c of held) expect(c.closedAt).toBeNull();
  });
});
