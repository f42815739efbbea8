/**
 * A hostile bondcat peer for test/security and bench/hostile.ts: the engine's own client handshake over
 * a node:net socket (so it speaks whatever handshake the tree under attack speaks), then raw frames
 * written straight to the socket. Reading can be paused: a peer that never reads.
 *
 * The engine modules are loaded from `root`, so the benchmark can attack an older tree as well.
 */
import { connect, type Socket } from "node:net";
import { join } from "node:path";

/** The slice of the engine the attacker uses (stable across versions of the tree). */
export interface Engine {
  openSession(pipe: unknown, opts: unknown, events: unknown): Promise<EngineSession>;
  joinSession(session: EngineSession, pipe: unknown): Promise<unknown>;
  withDefaults(o: Record<string, unknown>): unknown;
}
export interface EngineSession {
  id: Uint8Array;
  subflows: { pong(token: number, now: number): void }[];
  abort(code: number, reason: string): void;
}

export async function loadEngine(root: string): Promise<Engine> {
  const connectMod = await import(join(root, "src/core/connect.ts"));
  const optionsMod = await import(join(root, "src/core/options.ts"));
  return { openSession: connectMod.openSession, joinSession: connectMod.joinSession, withDefaults: optionsMod.withDefaults };
}

export const FRAME = { DATA: 1, ACK: 2, FIN: 3, PING: 4, PONG: 5, ABORT: 6 } as const;

/** Write a 16-byte frame header at `at` (PROTOCOL.md §3). */
export function header(buf: Uint8Array, at: number, type: number, length: number, value: number): void {
  const v = new DataView(buf.buffer, buf.byteOffset + at, 16);
  v.setUint8(0, type);
  v.setUint8(1, 0);
  v.setUint16(2, 0);
  v.setUint32(4, length);
  v.setUint32(8, Math.floor(value / 0x1_0000_0000));
  v.setUint32(12, value >>> 0);
}

/** `count` frames of one type (no payload, or `payload` bytes of zeros) with values from `value(i)`. */
export function frames(count: number, type: number, payload: number, value: (i: number) => number): Uint8Array {
  const size = 16 + payload;
  const buf = new Uint8Array(count * size);
  for (let i = 0; i < count; i++) header(buf, i * size, type, payload, value(i));
  return buf;
}

/** A Pipe over a node:net socket whose engine writes can be muted (the attacker writes raw bytes). */
class RawPipe {
  readonly info: { transport: string; local: string; remote: string };
  mute = false;
  private handler: { data(v: Uint8Array): void; drain(): void; end(): void; closed(err?: Error): void } | null = null;
  private held: Uint8Array[] = [];
  queued = 0;

  constructor(readonly socket: Socket) {
    this.info = { transport: "tcp", local: "attacker", remote: `127.0.0.1:${socket.remotePort}` };
    socket.on("data", (b: Buffer) => {
      const v = new Uint8Array(b.buffer, b.byteOffset, b.length);
      if (this.handler) this.handler.data(v);
      else this.held.push(v);
    });
    socket.on("close", () => this.handler?.closed(new Error("closed")));
    socket.on("error", () => {});
  }
  attach(h: RawPipe["handler"] & object): void {
    this.handler = h;
    for (const v of this.held) h.data(v);
    this.held = [];
  }
  write(b: Uint8Array): boolean {
    if (!this.mute && !this.socket.destroyed) this.socket.write(b);
    return true;
  }
  close(): void {}
  abort(): void {}
}

const events = { data: () => true, end() {}, drain() {}, closed() {} };

export class HostilePeer {
  /** Resolves when the listener closed (or reset) the connection. */
  readonly gone: Promise<void>;
  private readonly pipe: RawPipe;

  private constructor(readonly socket: Socket) {
    this.pipe = new RawPipe(socket);
    this.gone = new Promise((r) => socket.once("close", () => r()));
  }

  static async dial(port: number): Promise<HostilePeer> {
    const socket = connect({ host: "127.0.0.1", port, noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new HostilePeer(socket);
  }

  /** OPEN a session; `skipProof`: the handshake's last message never leaves (an OPEN left pending). */
  static async open(engine: Engine, port: number, secret: string, o: { skipProof?: boolean; heartbeatMs?: number } = {}) {
    const peer = await HostilePeer.dial(port);
    const opts = engine.withDefaults({ secret, heartbeatMs: o.heartbeatMs ?? 60_000, deadAfterMs: 600_000 });
    const writes: Uint8Array[] = [];
    if (o.skipProof) {
      // Let the HELLO out, swallow whatever the client writes after it (its proof).
      const orig = peer.pipe.write.bind(peer.pipe);
      peer.pipe.write = (b) => (writes.push(b), writes.length === 1 ? orig(b) : true);
    }
    const session = await engine.openSession(peer.pipe, opts, events);
    peer.pipe.mute = !o.heartbeatMs; // a live client keeps talking; an attacker writes only raw frames
    return { peer, session };
  }

  /** JOIN `session` over a new connection (the engine writes the JOIN; the rest is ours). */
  static async join(engine: Engine, session: EngineSession, port: number, waitReply = true): Promise<HostilePeer> {
    const peer = await HostilePeer.dial(port);
    const joined = engine.joinSession(session, peer.pipe).then(() => {
      peer.pipe.mute = true;
    });
    if (waitReply) await joined;
    else joined.catch(() => {});
    return peer;
  }

  /** Write raw bytes, waiting for the socket to drain; false once the listener closed the connection. */
  async send(b: Uint8Array): Promise<boolean> {
    if (this.socket.destroyed) return false;
    if (this.socket.write(b)) return true;
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        this.socket.off("drain", onDrain);
        this.socket.off("close", onClose);
        resolve(ok);
      };
      const onDrain = () => done(true);
      const onClose = () => done(false);
      this.socket.once("drain", onDrain);
      this.socket.once("close", onClose);
    });
  }

  /** Stop reading: the listener's writes pile up in its own queue. */
  pause(): void {
    this.socket.pause();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/**
 * A well-behaved session beside the attack: sends a PING every `everyMs` itself (the engine's own
 * heartbeats slow down on idle sessions) and records how long each pong took — the listener's
 * event-loop stalls show up here.
 */
export async function pingProbe(engine: Engine, port: number, secret: string, everyMs = 25) {
  const { peer, session } = await HostilePeer.open(engine, port, secret, { heartbeatMs: 1000 });
  const samples: number[] = [];
  const sub = session.subflows[0]!;
  const orig = sub.pong.bind(sub);
  sub.pong = (token: number, now: number) => {
    samples.push(now - token / 1000);
    orig(token, now);
  };
  const ping = new Uint8Array(16);
  let seen = 0;
  let lastPongAt = performance.now();
  let maxGap = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    if (samples.length > seen) {
      seen = samples.length;
      lastPongAt = now;
    }
    maxGap = Math.max(maxGap, now - lastPongAt);
    header(ping, 0, FRAME.PING, 0, Math.round(now * 1000));
    if (!peer.socket.destroyed) peer.socket.write(ping.slice());
  }, everyMs);
  let closed = false;
  void peer.gone.then(() => (closed = true));
  return {
    samples,
    get lost() {
      return closed;
    },
    /** Longest wait for a pong: the slowest answer, or the longest time without one (ms). */
    get maxStall() {
      return Math.max(maxGap, ...samples);
    },
    stop() {
      clearInterval(timer);
      session.abort(0, "probe done");
      peer.destroy();
    },
  };
}
