/**
 * The `Bondcat-Session` upgrade header (DEPLOY.md: HTTP balancers hash on it): sent on every ws/wss
 * dial that names a session, directly and through HTTP CONNECT and SOCKS5 proxies; seen by the listener;
 * `/healthz` answered on ws listeners; the path manager picks the id before the first dial.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import { PathManager } from "../../src/core/path-manager.ts";
import { withDefaults } from "../../src/core/options.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import { TransportError } from "../../src/contract/errors.ts";
import type { DialOptions } from "../../src/contract/transport.ts";
import { upgradeHeaders } from "../../transports/ws-client.ts";
import { wsTransport } from "../../transports/ws.ts";
import { freePort } from "../helpers/balancers.ts";
import { binPath, missing, start } from "../helpers/procs.ts";

const ws = wsTransport();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const ID = "0123456789abcdef0123456789abcdef";

async function listener(scheme: "ws" | "wss") {
  const seen: Pipe[] = [];
  const l = await ws.listen(new URL(`${scheme}://127.0.0.1:0/b`), {}, (p) => {
    seen.push(p);
    cleanups.push(() => p.abort());
  });
  cleanups.push(() => l.close());
  return { l, seen };
}

/** A minimal HTTP CONNECT proxy on loopback: enough to prove the header travels inside the tunnel. */
function connectProxy(): { port: number; tunnels: string[] } {
  const tunnels: string[] = [];
  type Side = { peer?: Socket<Side>; head: string };
  const server = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { head: "" };
      },
      async data(s, chunk) {
        if (s.data.peer) return void s.data.peer.write(chunk);
        s.data.head += new TextDecoder().decode(chunk);
        const m = /^CONNECT (\S+):(\d+) HTTP\/1\.1\r\n[\s\S]*?\r\n\r\n/.exec(s.data.head);
        if (!m) return;
        tunnels.push(`${m[1]}:${m[2]}`);
        const up = await Bun.connect<Side>({
          hostname: m[1]!,
          port: Number(m[2]),
          socket: { data: (_u, c) => void s.write(c), close: () => void s.end() },
          data: { peer: s, head: "" },
        });
        s.data.peer = up;
        cleanups.push(() => up.end());
        s.write("HTTP/1.1 200 Connection established\r\n\r\n");
      },
      close(s) {
        s.data.peer?.end();
      },
    },
  });
  cleanups.push(() => server.stop(true));
  return { port: server.port, tunnels };
}

describe("Bondcat-Session header", () => {
  test("upgradeHeaders: set from the session id, replaces a user's copy, rejects a malformed id", () => {
    expect(upgradeHeaders({ headers: { "X-A": "1" } })).toEqual({ "X-A": "1" });
    expect(upgradeHeaders({ sessionId: ID, headers: { "bondcat-session": "f".repeat(32) } })).toEqual({ "Bondcat-Session": ID });
    expect(() => upgradeHeaders({ sessionId: "ABC" })).toThrow(TransportError);
  });

  for (const scheme of ["ws", "wss"] as const) {
    test(`${scheme}: the listener sees the session id, direct and through a CONNECT proxy`, async () => {
      const { l, seen } = await listener(scheme);
      const proxy = connectProxy();
      const base: DialOptions = { insecure: true, sessionId: ID };
      for (const opts of [{ ...base, proxy: null }, { ...base, proxy: `http://127.0.0.1:${proxy.port}` }]) {
        const p = await ws.dial(l.url, opts);
        cleanups.push(() => p.abort());
      }
      for (let i = 0; i < 100 && seen.length < 2; i++) await Bun.sleep(10);
      expect(proxy.tunnels).toEqual([`127.0.0.1:${l.port}`]);
      expect(seen.map((p) => p.info.details?.session)).toEqual([ID, ID]);
      // Without a session id, no header.
      const p = await ws.dial(l.url, { insecure: true, proxy: null });
      cleanups.push(() => p.abort());
      for (let i = 0; i < 100 && seen.length < 3; i++) await Bun.sleep(10);
      expect(seen[2]?.info.details?.session).toBeUndefined();
    });
  }

  test.skipIf(missing("microsocks") !== null)("ws and wss through a SOCKS5 proxy (microsocks) carry it too", async () => {
    const port = freePort();
    const socks = start([binPath("microsocks"), "-i", "127.0.0.1", "-p", String(port)]);
    cleanups.push(() => socks.kill());
    for (let i = 0; i < 100; i++) {
      if (await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((c) => (c.end(), true), () => false)) break;
      await Bun.sleep(50);
    }
    for (const scheme of ["ws", "wss"] as const) {
      const { l, seen } = await listener(scheme);
      const p = await ws.dial(l.url, { insecure: true, sessionId: ID, proxy: `socks5://127.0.0.1:${port}` });
      cleanups.push(() => p.abort());
      for (let i = 0; i < 100 && seen.length < 1; i++) await Bun.sleep(10);
      expect(seen.map((x) => x.info.details?.session)).toEqual([ID]);
    }
  });

  test("ws listener: GET /healthz → 200, GET on the WebSocket path → 426, elsewhere 404", async () => {
    const { l, seen } = await listener("ws");
    const base = `http://127.0.0.1:${l.port}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/b`)).status).toBe(426);
    expect((await fetch(`${base}/other`)).status).toBe(404);
    // HTTP/1.0 without Host (HAProxy's httpchk): answered too, not an exception.
    let reply = "";
    const sock = await Bun.connect({ hostname: "127.0.0.1", port: l.port, socket: { data: (_s, d) => void (reply += d.toString()) } });
    sock.write("GET /healthz HTTP/1.0\r\n\r\n");
    for (let i = 0; i < 100 && !reply.includes("ok"); i++) await Bun.sleep(10);
    sock.end();
    expect(reply).toStartWith("HTTP/1.1 200");
    expect(seen.length).toBe(0);
  });

  test("the path manager names the session before its first dial, the same id on every path", async () => {
    const ids: string[] = [];
    const dial = (_s: AbortSignal, id: string): Promise<Pipe> => {
      ids.push(id);
      return Promise.reject(new TransportError("ECONNREFUSED", "no"));
    };
    const pm = new PathManager(
      [0, 1, 2].map((i) => ({ label: `p${i}`, backup: false, dial })),
      withDefaults({}),
    );
    await pm.open({ data() {}, end() {}, closed() {} } as never).catch(() => {});
    expect(ids).toEqual([pm.sessionId, pm.sessionId, pm.sessionId]);
    expect(pm.sessionId).toMatch(/^[0-9a-f]{32}$/);
  });
});
