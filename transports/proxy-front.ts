/**
 * A plain TCP front on a listener's public address, splicing each connection to the real listener on
 * an ephemeral loopback port; that listener asks `peerOf(remote)` who the client was, keyed by the
 * splice's own loopback address. Two uses: `--proxy-protocol` for listeners that cannot read a PROXY
 * header themselves (Bun.serve parses HTTP from the first byte, a TLS listener starts its handshake at
 * once): the front reads it first (proxy-accept.ts); and every ws/wss listener, whose connections
 * Bun.serve does not show us before their HTTP request is complete: the front holds each under an
 * UpgradeGate ticket (deadline, pending caps, byte cap) until the server reports the upgrade
 * (`upgraded(remote)`). Costs a copy per direction (BENCHMARKS.md); connections made straight to the
 * inner port (local users only) simply show as 127.0.0.1 and skip the gate.
 */
import { TransportError } from "../src/contract/errors.ts";
import { fdPressure, GuardedServer, noteAccept } from "./fd-guard.ts";
import { ProxyHeaderSink } from "./proxy-accept.ts";
import type { Ticket, UpgradeGate } from "./upgrade-gate.ts";
import { plainAddress } from "../src/contract/pending-count.ts";
import { addrOf, type SinkSocket, type SocketSink, socketHandlers, toTransportError } from "./socket-pipe.ts";
import type { ListenOptions } from "../src/contract/transport.ts";
import type { TCPSocketListener } from "bun";

/** Bytes one direction of a splice may queue (the bondcat windows keep a live peer far below). */
const MAX_QUEUED = 64 << 20;

export interface Peer {
  remote: string;
  /** The connection's real peer when a PROXY header named the client. */
  balancer?: string;
  /** performance.now() at the front's accept: the handshake deadline counts from there. */
  acceptedAt?: number;
}

export interface ProxyFront {
  readonly port: number;
  /** The client behind a connection the inner listener accepted from `remote`, if it came through the front. */
  peerOf(remote: string): Peer | undefined;
  /** The inner listener upgraded the connection it accepted from `remote`: its pre-upgrade deadline ends. */
  upgraded(remote: string): void;
  /** The inner listener answered an HTTP request (no upgrade) on it: its deadline closes it quietly. */
  answered(remote: string): void;
  close(): void;
}

interface Spliced {
  peer: Peer;
  ticket: Ticket | null;
}

/** One socket of a splice: what it reads goes to its peer's socket, queued while that one is full. */
class Side implements SocketSink {
  peer!: Side;
  socket: SinkSocket | null = null;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private ending = false;
  private over = false;

  constructor(
    private readonly done: () => void,
    private readonly ticket: Ticket | null = null,
  ) {}

  onData(v: Uint8Array): void {
    if (this.ticket !== null && !this.ticket.take(v.length)) return;
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

/**
 * Listen on hostname:port and splice each connection to 127.0.0.1:innerPort: after its PROXY header
 * with `opts.proxyProtocol`; under a ticket of `gate` until upgraded when there is one.
 */
export function proxyFront(hostname: string, port: number, innerPort: number, opts: ListenOptions, where: string, gate: UpgradeGate | null = null): ProxyFront {
  const peers = new Map<string, Spliced>();
  const splice = (outer: SinkSocket, held: Uint8Array[], peer: Peer, ticket: Ticket | null): void => {
    let key = "";
    const gone = (): void => {
      ticket?.leave();
      if (key) peers.delete(key);
    };
    const a = new Side(gone, ticket);
    const b = new Side(gone);
    a.peer = b;
    b.peer = a;
    a.socket = outer;
    outer.data = a;
    if (ticket !== null) ticket.kill = () => a.shut();
    for (const v of held) if (ticket === null || ticket.take(v.length)) b.send(v);
    Bun.connect<SocketSink>({ hostname: "127.0.0.1", port: innerPort, allowHalfOpen: true, socket: socketHandlers, data: b }).then(
      (inner) => {
        key = addrOf(inner.localAddress, inner.localPort);
        peers.set(key, { peer, ticket });
        b.socket = inner;
        b.flush();
      },
      (err: unknown) => {
        opts.rejected?.(peer.balancer ?? peer.remote, toTransportError(err, "ECONNREFUSED", `${where}: inner listener`));
        a.shut();
      },
    );
  };
  const socket = {
    ...socketHandlers,
    open(sock: SinkSocket) {
      sock.setNoDelay(true);
      noteAccept();
      const acceptedAt = performance.now();
      const from = addrOf(sock.remoteAddress, sock.remotePort);
      let ticket: Ticket | null = null;
      if (gate !== null) {
        // with a PROXY header the client's address is known only once it is read: total cap until then
        ticket = gate.enter(from, opts.proxyProtocol ? null : plainAddress(sock.remoteAddress ?? from));
        if (ticket === null) return void sock.terminate();
        ticket.kill = () => sock.terminate();
      }
      if (!opts.proxyProtocol) return splice(sock, [], { remote: from, acceptedAt }, ticket);
      const hand = (s: SinkSocket, held: Uint8Array[], p: { remote: string; balancer: string; address: string }): void => {
        if (ticket !== null && !ticket.rekey(p.remote, plainAddress(p.address))) return;
        splice(s, held, { remote: p.remote, balancer: p.balancer, acceptedAt }, ticket);
      };
      sock.data = new ProxyHeaderSink(sock, hand, (f, err) => {
        ticket?.leave();
        opts.rejected?.(f, err);
      });
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
  return {
    port: bound,
    peerOf: (remote) => peers.get(remote)?.peer,
    upgraded: (remote) => peers.get(remote)?.ticket?.leave(),
    answered: (remote) => {
      const t = peers.get(remote)?.ticket;
      if (t) t.answered = true;
    },
    close: () => guard.close(),
  };
}
