/**
 * --max-handshakes bounds every handshake of a listener together: on tls:// (TLS handshake, then the
 * bondcat handshake) and ws/wss:// (the WebSocket upgrade, then the bondcat handshake) the transport
 * and the engine count in one PendingCount (src/contract/pending-count.ts). Before, each counted up to
 * the cap on its own: 2 × the cap could be held. Attackers: connections that finished the transport's
 * handshake and send nothing more (pending in the engine), and bare TCP connections that never start
 * it (pending in the transport).
 */
import { afterEach, expect, test } from "bun:test";
import { connect as tlsConnect } from "node:tls";
import WebSocket from "ws";
import { killAll, startListener } from "../helpers/cli.ts";
import { RawClient } from "../helpers/raw-client.ts";

afterEach(killAll);
const live: Array<{ destroy?(): void; terminate?(): void }> = [];
afterEach(() => {
  for (const c of live.splice(0)) c.destroy?.() ?? c.terminate?.();
});

/** A connection through the transport's handshake, silent after it; resolves once it is through. */
async function throughTransport(scheme: string, port: number): Promise<{ closed: Promise<void> }> {
  if (scheme === "tls") {
    const s = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false });
    live.push(s);
    s.on("error", () => {});
    const closed = new Promise<void>((r) => s.on("close", () => r()));
    await Promise.race([new Promise((r) => s.once("secureConnect", r)), closed]);
    return { closed };
  }
  const ws = new WebSocket(`${scheme}://127.0.0.1:${port}/b`, { tls: { rejectUnauthorized: false } });
  live.push(ws);
  ws.on("error", () => {});
  const closed = new Promise<void>((r) => ws.on("close", () => r()));
  await Promise.race([new Promise((r) => ws.once("open", r)), closed]);
  return { closed };
}

for (const scheme of ["tls", "ws", "wss"] as const) {
  test(`${scheme}: --max-handshakes counts the transport's handshakes and the engine's together`, async () => {
    const listen = scheme === "tls" ? `tls://127.0.0.1:0` : `${scheme}://127.0.0.1:0/b`;
    const { cli, port } = await startListener(["-k", "--max-handshakes", "3", "--handshake-timeout", "5s", "--listen", listen]);
    // Two in the engine's handshake (through TLS / the upgrade, then silent).
    const inEngine = [await throughTransport(scheme, port), await throughTransport(scheme, port)];
    const closedEarly = inEngine.map((c) => Promise.race([c.closed.then(() => true), Bun.sleep(300).then(() => false)]));
    expect(await Promise.all(closedEarly)).toEqual([false, false]);
    // One more fits, in the transport's handshake; the next is over the cap.
    const third = await RawClient.open(port);
    live.push(third);
    await Bun.sleep(200);
    const fourth = await RawClient.open(port);
    live.push(fourth);
    expect(await fourth.closedWithin(2000)).not.toBeNull();
    expect(third.closedAt).toBeNull();
    await cli.waitForStderr(/3 handshakes pending \(--max-handshakes\)/);
  }, 30_000);
}
