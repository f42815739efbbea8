/**
 * In-memory Pipe pairs for tests: latency, jitter, rate limit, random re-chunking, a send-side
 * high-water mark, abrupt death (kill) and silent loss (blackhole). Test code: one timer per
 * direction, and every write is copied (so delivered views are never mutated).
 */
import { TransportError } from "../../src/contract/errors.ts";
import type { Pipe, PipeHandler, PipeInfo } from "../../src/contract/pipe.ts";

export interface MemoryLinkOptions {
  /** Fixed one-way latency. */
  delayMs?: number;
  /** Extra random latency in [0, jitterMs) per write; order is kept. */
  jitterMs?: number;
  /** Rate limit: each write takes bytes/bytesPerSecond to "leave" before its latency starts. */
  bytesPerSecond?: number;
  /** Deliver each write split at random boundaries. */
  chunkSplit?: boolean;
  /** write() returns false once more than this many bytes are undelivered (default 256 KiB). */
  highWaterMark?: number;
}

export interface MemoryPairOptions extends MemoryLinkOptions {
  /** Per-direction overrides (a → b, b → a) on top of the shared options. */
  aToB?: MemoryLinkOptions;
  bToA?: MemoryLinkOptions;
  /** Seed for jitter and splitting; random when omitted. */
  seed?: number;
  /** PipeInfo fields. */
  transport?: string;
  addresses?: readonly [a: string, b: string];
}

/** mulberry32: small, seedable, good enough for tests. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Segment {
  bytes: Uint8Array | null; // null = FIN
  readyAt: number;
}

interface PairState {
  blackholed: boolean;
}

/** One direction of a pair: a timed FIFO from `from` to `to`. */
class Link {
  private segments: (Segment | undefined)[] = [];
  private head = 0;
  private lastTxDone = 0;
  private lastReady = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  queued = 0;
  readonly highWaterMark: number;

  constructor(
    private readonly opts: MemoryLinkOptions,
    private readonly random: () => number,
    private readonly state: PairState,
    private readonly from: MemoryPipe,
    private readonly to: MemoryPipe,
  ) {
    this.highWaterMark = opts.highWaterMark ?? 256 * 1024;
  }

  send(bytes: Uint8Array | null): void {
    if (this.stopped) return;
    const now = performance.now();
    const len = bytes ? bytes.length : 0;
    let txDone = now;
    if (this.opts.bytesPerSecond) {
      txDone = Math.max(now, this.lastTxDone) + (len * 1000) / this.opts.bytesPerSecond;
      this.lastTxDone = txDone;
    }
    const jitter = this.opts.jitterMs ? this.random() * this.opts.jitterMs : 0;
    const readyAt = Math.max(this.lastReady, txDone + (this.opts.delayMs ?? 0) + jitter);
    this.lastReady = readyAt;
    this.segments.push({ bytes, readyAt });
    this.queued += len;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    this.segments = [];
    this.head = 0;
    this.queued = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  schedule(): void {
    if (this.timer || this.stopped || this.state.blackholed) return;
    const next = this.segments[this.head];
    if (!next) return;
    this.timer = setTimeout(this.pump, Math.max(0, next.readyAt - performance.now()));
  }

  private readonly pump = (): void => {
    this.timer = undefined;
    if (this.stopped || this.state.blackholed) return;
    const now = performance.now();
    let seg = this.segments[this.head];
    while (seg && seg.readyAt <= now) {
      this.segments[this.head++] = undefined;
      if (seg.bytes === null) {
        this.to.receiveEnd();
        this.from.finDelivered();
      } else {
        this.queued -= seg.bytes.length;
        this.deliver(seg.bytes);
      }
      if (this.stopped) return; // a handler aborted or killed the pair
      seg = this.segments[this.head];
    }
    if (this.head === this.segments.length) {
      this.segments = [];
      this.head = 0;
    }
    if (this.queued <= this.highWaterMark) this.from.maybeDrain();
    this.schedule();
  };

  private deliver(bytes: Uint8Array): void {
    if (!this.opts.chunkSplit || bytes.length < 2) return this.to.receive(bytes);
    const cuts: number[] = [];
    const n = Math.floor(this.random() * 4);
    for (let i = 0; i < n; i++) cuts.push(1 + Math.floor(this.random() * (bytes.length - 1)));
    cuts.sort((x, y) => x - y);
    let at = 0;
    for (const cut of cuts) {
      if (cut > at) this.to.receive(bytes.subarray(at, cut));
      at = Math.max(at, cut);
    }
    this.to.receive(bytes.subarray(at));
  }
}

export class MemoryPipe implements Pipe {
  private handler: PipeHandler | undefined;
  private held: Uint8Array[] | undefined = [];
  private heldEnd = false;
  private out!: Link;
  private peer!: MemoryPipe;
  private state!: PairState;
  private wantDrain = false;
  private closing = false;
  private finSent = false;
  private endReceived = false;
  private done = false;
  private closedPending = false;
  private closedErr: Error | undefined;

  constructor(readonly info: PipeInfo) {}

  /** Wires two pipes together (used by memoryPipePair). */
  static connect(a: MemoryPipe, b: MemoryPipe, ab: Link, ba: Link, state: PairState): void {
    a.out = ab;
    b.out = ba;
    a.peer = b;
    b.peer = a;
    a.state = b.state = state;
  }

  get queued(): number {
    return this.done ? 0 : this.out.queued;
  }

  attach(handler: PipeHandler): void {
    if (this.handler) throw new TransportError("EATTACHED", "pipe already has a handler");
    this.handler = handler;
    const held = this.held ?? [];
    this.held = undefined;
    for (const view of held) handler.data(view);
    if (this.heldEnd) handler.end();
    if (this.closedPending) this.deliverClosed();
    else this.maybeDrain();
  }

  /** Nothing to do: every write is copied. */
  detach(): void {}

  write(bytes: Uint8Array): boolean {
    if (this.closing || this.done) return false;
    this.out.send(bytes.slice());
    if (this.out.queued <= this.out.highWaterMark) return true;
    this.wantDrain = true;
    return false;
  }

  close(): void {
    if (this.closing || this.done) return;
    this.closing = true;
    this.out.send(null);
  }

  abort(err?: Error): void {
    if (this.done) return;
    this.finish(err ?? new TransportError("ABORTED", "pipe aborted"));
    this.peer.finish(new TransportError("ECONNRESET", `${this.info.remote}: connection reset by peer`));
  }

  /** Both ends die at once with `err` (like a RST from a middlebox). */
  kill(err?: Error): void {
    const e = err ?? new TransportError("ECONNRESET", `${this.info.local}: link killed`);
    this.finish(e);
    this.peer.finish(e);
  }

  /** Stop (true) or resume (false) delivery in both directions without closing anything. */
  blackhole(on = true): void {
    this.state.blackholed = on;
    if (!on) {
      this.out.schedule();
      this.peer.out.schedule();
    }
  }

  get blackholed(): boolean {
    return this.state.blackholed;
  }

  // ---- called by Link ----

  receive(view: Uint8Array): void {
    if (this.done) return;
    if (this.handler) this.handler.data(view);
    else this.held?.push(view);
  }

  receiveEnd(): void {
    if (this.done || this.endReceived) return;
    this.endReceived = true;
    if (this.handler) this.handler.end();
    else this.heldEnd = true;
    if (this.finSent) this.finish(undefined);
  }

  finDelivered(): void {
    this.finSent = true;
    if (this.endReceived && !this.done) this.finish(undefined);
  }

  maybeDrain(): void {
    if (!this.wantDrain || !this.handler || this.done || this.closing) return;
    if (this.out.queued > this.out.highWaterMark) return;
    this.wantDrain = false;
    this.handler.drain();
  }

  private finish(err: Error | undefined): void {
    if (this.done) return;
    this.done = true;
    this.closedErr = err;
    if (err) {
      this.out.stop();
      this.peer.out.stop();
      this.held = undefined;
    }
    this.closedPending = true;
    if (this.handler) this.deliverClosed();
  }

  private deliverClosed(): void {
    this.closedPending = false;
    const handler = this.handler as PipeHandler;
    const err = this.closedErr;
    queueMicrotask(() => handler.closed(err));
  }
}

let pairCount = 0;

/** Two connected pipes: what `a` writes, `b` reads, and back. */
export function memoryPipePair(opts: MemoryPairOptions = {}): [a: MemoryPipe, b: MemoryPipe] {
  const id = ++pairCount;
  const [addrA, addrB] = opts.addresses ?? [`pair${id}/a`, `pair${id}/b`];
  const transport = opts.transport ?? "mem";
  const a = new MemoryPipe({ transport, local: addrA, remote: addrB });
  const b = new MemoryPipe({ transport, local: addrB, remote: addrA });
  const seed = opts.seed ?? Math.floor(Math.random() * 2 ** 32);
  const state: PairState = { blackholed: false };
  const ab = new Link({ ...opts, ...opts.aToB }, seededRandom(seed), state, a, b);
  const ba = new Link({ ...opts, ...opts.bToA }, seededRandom(seed + 1), state, b, a);
  MemoryPipe.connect(a, b, ab, ba, state);
  return [a, b];
}
