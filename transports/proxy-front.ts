/**
 * `--proxy-protocol` for listeners that cannot read a PROXY header themselves: Bun.serve (ws, wss)
 * parses HTTP from the first byte, and a TLS listener starts its handshake at once. A plain TCP front
 * on the public address reads the header (proxy-accept.ts), then splices the connection to the real
 * listener on an ephemeral loopback port; that listener asks `peerOf(remote)` who the client was,
 * keyed by the splice's own loopback address. Costs a copy per direction (DEPLOY.md); connections made
 * straight to the inner port (local users only) simply show as 127.0.0.1.
 */
import { TransportError } from "../src/contract/errors.ts";
import { fdPressure, GuardedServer, noteAccept } from "./fd-guard.ts";
import { ProxyHeaderSink } from "./proxy-accept.ts";
import { addrOf, type SinkSocket, type SocketSink, socketHandlers, toTransportError } from "./socket-pipe.ts";
import type { ListenOptions } from "../src/contract/transport.ts";
import type { TCPSocketListener } from "bun";

/** Bytes one direction of a splice may queue (the bondcat windows keep a live peer far below). */
const MAX_QUEUED = 64 << 20;

export interface Peer {
  remote: string;
  balancer: string;
}

export interface ProxyFront {
  readonly port: number;
  /** The client behind a connection the inner listener accepted from `remote`, if it came through the front. */
  peerOf(remote: string): Peer | undefined;
  close(): void;
}

/** One socket of a splice: what it reads goes to its peer's socket, queued while that one is full. */
class Side implements SocketSink {
  peer!: Side;
  socket: SinkSocket | null = null;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private ending = false;
  private over = false;

  constructor(private readonly done: () => void) {}

  onData(v: Uint8Array): void {
    this.peer.send(v);
  }
  onDrain(): void {
    this.flush();
  }
  onEnd(): void {
    this.peer.finish();
  }
  onClose(): void {
    this.shut();
  }
  onError(): void {
    this.shut();
  }

  send(v: Uint8Array): void {
    if (this.over) return;
    this.queue.push(v);
    this.queued += v.length;
    if (this.queued > MAX_QUEUED) return this.shut();
    this.flush();
  }

  flush(): void {
    const s = this.socket;
    if (s === null) return;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = s.write(head);
      if (n < head.length) {
        if (n > 0) this.queue[0] = head.subarray(n);
        this.queued -= Math.max(n, 0);
        return;
      }
      this.queue.shift();
      this.queued -= head.length;
    }
    if (this.ending) s.end();
  }

  finish(): void {
    this.ending = true;
    this.flush();
  }

  shut(): void {
    if (this.over) return;
    this.over = true;
    this.socket?.terminate();
    this.peer.shut();
    this.done();
  }
}

/** Listen on hostname:port for PROXY-headed connections and splice each to 127.0.0.1:innerPort. */
export function proxyFront(hostname: string, port: number, innerPort: number, opts: ListenOptions, where: string): ProxyFront {
  const peers = new Map<string, Peer>();
  const splice = (outer: SinkSocket, held: Uint8Array[], peer: Peer): void => {
    let key = "";
    const a = new Side(() => key && peers.delete(key));
    const b = new Side(() => key && peers.delete(key));
    a.peer = b;
    b.peer = a;
    a.socket = outer;
    outer.data = a;
    for (const v of held) b.send(v);
    Bun.connect<SocketSink>({ hostname: "127.0.0.1", port: innerPort, allowHalfOpen: true, socket: socketHandlers, data: b }).then(
      (inner) => {
        key = addrOf(inner.localAddress, inner.localPort);
        peers.set(key, peer);
        b.socket = inner;
        b.flush();
      },
      (err: unknown) => {
        opts.rejected?.(peer.balancer, toTransportError(err, "ECONNREFUSED", `${where}: inner listener`));
        a.shut();
      },
    );
  };
  const socket = {
    ...socketHandlers,
    open(sock: SinkSocket) {
      sock.setNoDelay(true);
      noteAccept();
      sock.data = new ProxyHeaderSink(sock, splice, (from, err) => opts.rejected?.(from, err));
    },
  };
  let bound = port;
  const start = (): TCPSocketListener<SocketSink> => {
    const s = Bun.listen<SocketSink>({ hostname, port: bound, allowHalfOpen: true, socket });
    bound = s.port;
    return s;
  };
  let guard: GuardedServer<TCPSocketListener<SocketSink>>;
  try {
    guard = new GuardedServer(start, (s) => s.stop(false), (n, max) => opts.rejected?.(where, fdPressure(n, max)));
  } catch (err) {
    throw toTransportError(err, "ELISTEN", where);
  }
  if (bound === 0) throw new TransportError("ELISTEN", `${where}: no port bound`);
  return { port: bound, peerOf: (remote) => peers.get(remote), close: () => guard.close() };
}
