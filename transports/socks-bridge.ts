/**
 * ws:// and wss:// through a SOCKS5 proxy. Bun's WebSocket client accepts only an HTTP proxy, so the
 * SOCKS tunnel is opened here first (its errors name the proxy's reply), then handed to the client
 * through a one-shot HTTP CONNECT endpoint on loopback: a listener on 127.0.0.1:0 that takes one
 * connection presenting a random token (Proxy-Authorization), answers 200 and splices it to the tunnel,
 * then stops listening. TLS (wss) runs end to end inside it, as through any CONNECT proxy.
 * Each direction of the splice holds at most what one short write left over, and pauses its reader
 * until the other side drains.
 */
import type { Socket } from "bun";
import { randomBytes } from "node:crypto";
import { guardDial } from "./dial-guard.ts";
import { proxyHostPort } from "./proxy.ts";
import { socketHandlers, toTransportError, type SinkSocket, type SocketSink } from "./socket-pipe.ts";
import { socksTarget } from "./socket-dial.ts";
import { Socks5Sink } from "./socks5.ts";
import type { DialOptions } from "../src/contract/transport.ts";

type Raw = Pick<Socket<unknown>, "write" | "end" | "pause" | "resume">;

/** One direction of the splice: bytes read from `from` are written to `to`. */
class Direction {
  private pending: Uint8Array | null = null;
  private ended = false;

  constructor(
    private readonly from: Raw,
    private readonly to: Raw,
  ) {}

  push(bytes: Uint8Array): void {
    if (this.pending) {
      const joined = new Uint8Array(this.pending.length + bytes.length);
      joined.set(this.pending);
      joined.set(bytes, this.pending.length);
      this.pending = joined;
      return;
    }
    const n = this.to.write(bytes);
    if (n < bytes.length) {
      this.pending = bytes.subarray(Math.max(n, 0));
      this.from.pause();
    }
  }

  drain(): void {
    if (!this.pending) return;
    const n = this.to.write(this.pending);
    if (n >= 0 && n < this.pending.length) {
      this.pending = this.pending.subarray(n);
      return;
    }
    this.pending = null;
    if (this.ended) this.to.end();
    else this.from.resume();
  }

  /** `from` closed: close `to` once what is pending went out. */
  end(): void {
    this.ended = true;
    if (!this.pending) this.to.end();
  }
}

/** Open a SOCKS5 tunnel to host:port: the socket (its events still owned by the handshake) and early bytes. */
function openTunnel(proxy: URL, host: string, port: number, opts: DialOptions, where: string): Promise<{ socket: SinkSocket; rest: Uint8Array; abort(): void }> {
  return guardDial(where, opts, (attempt) => {
    let socket: SinkSocket | undefined;
    const done = (s: SinkSocket, rest: Uint8Array) => attempt.ok({ socket: s, rest, abort: () => s.terminate() });
    const start = (target: string) => {
      const p = proxyHostPort(proxy);
      const sink = new Socks5Sink(proxy, target, port, done, (err) => attempt.fail(err));
      Bun.connect<SocketSink>({ hostname: p.host, port: p.port, socket: socketHandlers, data: sink, ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) }).then(
        (s) => (socket = s),
        (err: unknown) => attempt.fail(toTransportError(err, "PROXY", `${where}: cannot reach the proxy`)),
      );
    };
    if (proxy.protocol !== "socks5:") start(host);
    else socksTarget(host, opts).then(start, (err: unknown) => attempt.fail(toTransportError(err, "ENOTFOUND", where)));
    return () => socket?.terminate();
  });
}

export interface SocksBridge {
  /** The HTTP proxy URL to give Bun's WebSocket client (loopback, with the one-time token). */
  readonly url: string;
  /** Stop accepting (the client connected or gave up); the splice, if any, lives on. */
  stopListening(): void;
  /** Tear everything down (the dial failed). */
  close(): void;
}

interface Conn {
  head: Uint8Array;
  spliced: boolean;
  toTunnel?: Direction;
}

export async function socksBridge(proxy: URL, host: string, port: number, opts: DialOptions, where: string): Promise<SocksBridge> {
  const tunnel = await openTunnel(proxy, host, port, opts, where);
  const tunnelSocket = tunnel.socket;
  const token = randomBytes(16).toString("hex");
  const expected = `basic ${Buffer.from(`bondcat:${token}`).toString("base64")}`.toLowerCase();
  let fromTunnel: Direction | undefined;
  let listening = true;
  const listener = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(s) {
        s.data = { head: new Uint8Array(0), spliced: false };
      },
      data(s, bytes) {
        const c = s.data;
        if (c.spliced) return c.toTunnel!.push(bytes);
        const joined = new Uint8Array(c.head.length + bytes.length);
        joined.set(c.head);
        joined.set(bytes, c.head.length);
        c.head = joined;
        const end = Buffer.from(joined.buffer, joined.byteOffset, joined.length).indexOf("\r\n\r\n");
        if (end < 0) {
          if (joined.length > 16384) s.end();
          return;
        }
        const head = new TextDecoder().decode(joined.subarray(0, end)).toLowerCase();
        const auth = /\r\nproxy-authorization:\s*([^\r\n]*)/.exec(head)?.[1]?.trim();
        if (!head.startsWith("connect ") || auth !== expected || fromTunnel !== undefined) {
          s.write("HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n");
          return void s.end();
        }
        stop();
        c.spliced = true;
        c.toTunnel = new Direction(s, tunnelSocket);
        fromTunnel = new Direction(tunnelSocket, s);
        const from = fromTunnel;
        const to = c.toTunnel;
        tunnelSocket.data = {
          onData: (v) => from.push(v),
          onDrain: () => to.drain(),
          onEnd: () => from.end(),
          onClose: () => from.end(),
          onError: () => from.end(),
        };
        s.write("HTTP/1.1 200 Connection established\r\n\r\n");
        if (tunnel.rest.length > 0) from.push(tunnel.rest);
        const early = joined.subarray(end + 4);
        if (early.length > 0) to.push(early);
      },
      drain(s) {
        if (s.data?.spliced) fromTunnel?.drain();
      },
      close(s) {
        if (s.data?.spliced) s.data.toTunnel!.end();
      },
      error(s) {
        if (s.data?.spliced) s.data.toTunnel!.end();
      },
    },
  });
  const stop = () => {
    if (!listening) return;
    listening = false;
    listener.stop(false);
  };
  return {
    url: `http://bondcat:${token}@127.0.0.1:${listener.port}`,
    stopListening: stop,
    close() {
      stop();
      tunnelSocket.terminate();
    },
  };
}
