/**
 * Listening with Bun.listen for tcp:// and tls://. A TLS pipe is handed out only after its handshake
 * (and, with required client certificates, after the client's certificate verified).
 */
import type { TCPSocketListener } from "bun";
import { TransportError } from "../src/contract/errors.ts";
import type { Peer, ProxyFront } from "./proxy-front.ts";
import { noteAccept } from "./fd-guard.ts";
import { listenerCount, serveGuarded } from "./guarded-listen.ts";
import { type PendingCount, plainAddress } from "../src/contract/pending-count.ts";
import { ProxyHeaderSink } from "./proxy-accept.ts";
import { hostPort } from "./socket-dial.ts";
import { addrOf, type SinkSocket, type SocketSink, SocketPipe, socketHandlers, socketInfo } from "./socket-pipe.ts";
import { type ServerTlsPlan, tlsDetails, tlsFailure } from "./tls-options.ts";
import type { Listener, ListenOptions, Pipe } from "../src/contract/transport.ts";
import { formatAddr } from "../src/contract/address.ts";

/** Owns an accepted TLS socket until its handshake is done, or terminates it at the deadline. */
class AcceptTlsSink implements SocketSink {
  private held: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null;

  constructor(
    socket: SinkSocket,
    private readonly plan: ServerTlsPlan,
    /** Counted in (entered by the caller) until the handshake is done or the socket gone. */
    private readonly pending: PendingCount,
    private readonly address: string | null,
    ms: number,
    private readonly hand: (socket: SinkSocket, held: Uint8Array[]) => void,
  ) {
    this.timer = setTimeout(() => {
      this.done();
      socket.terminate(); // a client that never finishes its TLS handshake holds nothing for long
    }, ms);
  }

  private done(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.pending.leave(this.address);
  }

  onHandshake(socket: SinkSocket, ok: boolean, err: Error | null): void {
    this.done();
    if (this.plan.requireClientCert && (!ok || err || !socket.authorized)) {
      socket.terminate(); // no valid client certificate: refused before any byte reaches the engine
      return;
    }
    this.hand(socket, this.held);
  }

  onData(view: Uint8Array): void {
    this.held.push(view);
  }

  onDrain(): void {}
  onEnd(): void {}
  onClose(): void {
    this.done();
  }
  onError(): void {}
}

/** When each socket was accepted (the handshake deadline counts from there). */
const acceptedAt = new WeakMap<object, number>();

export async function listenSocket(
  transport: string,
  url: URL,
  opts: ListenOptions,
  onPipe: (pipe: Pipe) => void,
  tls: ServerTlsPlan | null,
): Promise<Listener> {
  const { host, port } = hostPort(url, false);
  const hostname = host || "0.0.0.0";
  const where = `${transport} listen ${formatAddr(hostname, port)}`;
  if (opts.signal?.aborted) throw new TransportError("ABORTED", `${where}: aborted`);
  // --proxy-protocol with TLS: the handshake must start after the header, so a front reads it
  // (proxy-front.ts) and this listener moves to loopback behind it.
  let front: ProxyFront | null = null;
  const pending = listenerCount(opts);
  const hand = (socket: SinkSocket, held: Uint8Array[], header?: Peer): void => {
    const info = socketInfo(socket, transport, tls ? tlsDetails(socket) : undefined);
    const peer = header ?? front?.peerOf(info.remote);
    info.acceptedAt = peer?.acceptedAt ?? acceptedAt.get(socket) ?? performance.now();
    if (front) info.local = formatAddr(hostname, front.port); // not the loopback port behind the front
    if (peer !== undefined) {
      if (peer.balancer !== undefined) info.details = { ...info.details, balancer: peer.balancer };
      info.remote = peer.remote; // what logs, per-source limits and stats read
    }
    const pipe = new SocketPipe(socket, info, tls ? (e) => tlsFailure(`tls ${info.remote}`, e) : undefined);
    socket.data = pipe;
    for (const v of held) pipe.onData(v);
    try {
      onPipe(pipe);
    } catch (err) {
      pipe.abort(err instanceof Error ? err : new Error(String(err)));
    }
  };
  const behindFront = opts.proxyProtocol === true && tls !== null;
  const socket = {
    ...socketHandlers,
    open(sock: SinkSocket) {
      sock.setNoDelay(true);
      noteAccept();
      acceptedAt.set(sock, performance.now());
      if (tls) {
        // behind the PROXY-header front every connection comes from loopback: counted in the total only
        const address = behindFront || !sock.remoteAddress ? null : plainAddress(sock.remoteAddress);
        const full = pending.enter(address);
        if (full === null) sock.data = new AcceptTlsSink(sock, tls, pending, address, opts.handshakeMs ?? 10_000, hand);
        else {
          opts.rejected?.(addrOf(sock.remoteAddress, sock.remotePort), new TransportError("EBUSY", `refused before the TLS handshake: ${full}`));
          sock.terminate();
        }
      } else if (opts.proxyProtocol && !tls) sock.data = new ProxyHeaderSink(sock, hand, (from, err) => opts.rejected?.(from, err));
      else hand(sock, []);
    },
  };
  let boundPort = behindFront ? 0 : port;
  const start = (): TCPSocketListener<SocketSink> => {
    const at = behindFront ? "127.0.0.1" : hostname;
    const s = tls
      ? Bun.listen<SocketSink>({ hostname: at, port: boundPort, allowHalfOpen: true, socket, tls: tls.options })
      : Bun.listen<SocketSink>({ hostname: at, port: boundPort, allowHalfOpen: true, socket });
    boundPort = s.port; // a re-listen after descriptor pressure takes the same port
    return s;
  };
  const served = serveGuarded(start, (s) => s.stop(false), () => boundPort, opts, where, behindFront ? { hostname, port } : null);
  front = served.front;
  const bound = new URL(`${url.protocol}//${formatAddr(hostname, served.port)}`);
  return { url: bound, port: served.port, notes: tls ? tls.notes : [], close: served.close };
}
