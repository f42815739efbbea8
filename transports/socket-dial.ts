/**
 * Dialing a Bun socket for tcp:// and tls://: direct or through an HTTP CONNECT proxy, then (tls)
 * the TLS handshake — on the socket itself, or with upgradeTLS() inside the tunnel — and the
 * certificate check, before the pipe is handed out. No byte of the caller's is sent before that.
 */
import type { TCPSocketConnectOptions } from "bun";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { ConfigError, TransportError } from "../src/contract/errors.ts";
import { guardDial, type DialAttempt } from "./dial-guard.ts";
import { ConnectSink, proxyHostPort, redact, resolveProxy } from "./proxy.ts";
import { isSocks, Socks5Sink } from "./socks5.ts";
import { inertSink, type SinkSocket, type SocketSink, SocketPipe, socketHandlers, socketInfo, toTransportError } from "./socket-pipe.ts";
import { type ClientTlsPlan, tlsDetails, tlsFailure } from "./tls-options.ts";
import type { DialOptions, Pipe } from "../src/contract/transport.ts";
import { formatAddr, unbracket } from "../src/contract/address.ts";

/** Host without IPv6 brackets ("" if none) and port (0 if none; required for dial). */
export function hostPort(url: URL, dialing: boolean): { host: string; port: number } {
  const host = unbracket(url.hostname);
  if (dialing && (host === "" || url.port === "")) {
    throw new ConfigError("EBADURL", `${url.href}: ${url.protocol.slice(0, -1)} needs a host and a port`);
  }
  return { host, port: url.port === "" ? 0 : Number(url.port) };
}

type ConnectOptions = TCPSocketConnectOptions<SocketSink> & { localAddress?: string };

/** The address a socks5:// proxy is asked for: resolved here (socks5h:// sends the name instead). */
export async function socksTarget(host: string, opts: DialOptions): Promise<string> {
  if (isIP(host) !== 0) return host;
  return opts.address ?? (await lookup(host, { family: opts.family ?? 0 })).address;
}

/** Connect to host:port (or to `address`, already resolved, when given), bound to opts.localAddress. */
async function connectTo(host: string, port: number, opts: DialOptions, data: SocketSink, tls: ClientTlsPlan | null, address?: string): Promise<SinkSocket> {
  let hostname = address ?? host;
  if (opts.family && isIP(hostname) === 0) {
    try {
      hostname = (await lookup(host, { family: opts.family })).address;
    } catch (err) {
      throw toTransportError(err, "ENOTFOUND", `dial ${host}`);
    }
  }
  const options: ConnectOptions = { hostname, port, allowHalfOpen: true, socket: socketHandlers, data };
  if (tls) options.tls = tls.options;
  if (opts.localAddress) options.localAddress = opts.localAddress;
  return Bun.connect(options);
}

/**
 * Owns a socket until it is ready: for plain TCP at `open`, for TLS at a verified handshake. Bytes
 * that arrive in between are kept for the pipe.
 */
class ReadySink implements SocketSink {
  private held: Uint8Array[] = [];
  private over = false;

  constructor(
    private readonly tls: ClientTlsPlan | null,
    private readonly ready: (socket: SinkSocket, held: Uint8Array[]) => void,
    private readonly fail: (err: Error) => void,
    private readonly where: string,
  ) {}

  onOpen(socket: SinkSocket): void {
    if (!this.tls) this.finish(socket);
  }

  onHandshake(socket: SinkSocket, ok: boolean, err: Error | null): void {
    if (!this.tls || this.over) return;
    const bad = this.tls.verify(socket, ok, err);
    if (!bad) return this.finish(socket);
    this.over = true;
    this.fail(bad);
    socket.terminate();
  }

  onData(view: Uint8Array): void {
    this.held.push(view);
  }

  onDrain(): void {}
  onEnd(): void {}

  onClose(err?: Error): void {
    if (this.over) return;
    this.over = true;
    if (err) {
      const e = toTransportError(err, this.tls ? "TLS" : "ECONNRESET", this.where);
      this.fail(e.code === "TLS" ? tlsFailure(this.where, err) : e);
    } else this.fail(new TransportError("ECONNRESET", `${this.where}: connection closed during the ${this.tls ? "TLS handshake" : "connect"}`));
  }

  onError(err: Error): void {
    if (this.over) return;
    this.over = true;
    this.fail(this.tls ? tlsFailure(this.where, err) : toTransportError(err, "ECONNRESET", this.where));
  }

  private finish(socket: SinkSocket): void {
    if (this.over) return;
    this.over = true;
    this.ready(socket, this.held);
  }
}

/** Dial `url` (tcp:// or tls://) and resolve with a ready pipe named `transport`. */
export function dialSocket(
  transport: string,
  url: URL,
  opts: DialOptions,
  tls: ClientTlsPlan | null,
  /** Sees the ready socket before the pipe is made (e.g. to read the peer certificate). */
  inspect?: (socket: SinkSocket) => void,
): Promise<Pipe> {
  const { host, port } = hostPort(url, true);
  const proxy = resolveProxy(url, opts.proxy);
  if (proxy && proxy.protocol !== "http:" && !isSocks(proxy)) {
    return Promise.reject(new TransportError("PROXY", `${transport} dial ${formatAddr(host, port)}: only http:// (CONNECT), socks5:// and socks5h:// proxies are supported for ${transport}://, not ${proxy.protocol}//`));
  }
  const where = `${transport} dial ${formatAddr(host, port)}${proxy ? ` via ${redact(proxy)}` : ""}`;
  return guardDial<Pipe>(where, opts, (attempt) => {
    let socket: SinkSocket | undefined;
    const extra: Record<string, string> = {};
    if (proxy) {
      extra.proxy = redact(proxy);
      extra.target = formatAddr(host, port);
    }
    if (tls) extra.servername = tls.servername;
    const ready = (s: SinkSocket, held: Uint8Array[]): void => {
      socket = s;
      if (attempt.settled) return void s.terminate();
      inspect?.(s);
      const info = socketInfo(s, transport, tls ? tlsDetails(s, extra) : extra);
      const pipe = new SocketPipe(s, info, tls ? (e) => tlsFailure(`tls ${info.remote}`, e) : undefined);
      s.data = pipe;
      for (const v of held) pipe.onData(v);
      attempt.ok(pipe);
    };
    const readySink = new ReadySink(tls, ready, attempt.fail, where);
    if (proxy) {
      const p = proxyHostPort(proxy);
      const tunnel = (s: SinkSocket, rest: Uint8Array): void => {
        if (attempt.settled) return void s.terminate();
        if (!tls) return ready(s, rest.length > 0 ? [rest] : []);
        s.data = inertSink;
        const [, tlsSocket] = s.upgradeTLS<SocketSink>({ tls: tls.options, socket: socketHandlers, data: readySink });
        socket = tlsSocket;
      };
      const start = (target: string): void => {
        if (attempt.settled) return;
        const fail = (err: Error): void => attempt.fail(err);
        const sink = isSocks(proxy) ? new Socks5Sink(proxy, target, port, tunnel, fail) : new ConnectSink(proxy, host, port, tunnel, fail);
        connectTo(p.host, p.port, opts, sink, null).then(
          (s) => (socket ??= s),
          (err: unknown) => attempt.fail(toTransportError(err, "PROXY", `${where}: cannot reach the proxy`)),
        );
      };
      if (proxy.protocol !== "socks5:") start(host);
      else socksTarget(host, opts).then(start, (err: unknown) => attempt.fail(toTransportError(err, "ENOTFOUND", where)));
    } else {
      connectTo(host, port, opts, readySink, tls, opts.address).then(
        (s) => (socket ??= s),
        (err: unknown) => attempt.fail(toTransportError(err, "ECONNREFUSED", where)),
      );
    }
    // Bun cannot cancel a pending connect: a socket that shows up after we gave up is dropped.
    return () => socket?.terminate();
  });
}

export type { DialAttempt };
