/**
 * The receive half of a session: reassembly by offset, in-order delivery with application
 * backpressure, the advertised window, acknowledgements and the peer's FIN.
 */
import { ProtocolError } from "./errors.ts";
import { encodeAck } from "./frame.ts";
import type { MemoryBudget } from "./memory-budget.ts";
import { INITIAL_WINDOW } from "./options.ts";
import { ENTRY_COST, ReorderBuffer, unpinned } from "./reorder-buffer.ts";
import { wasteCollector } from "./waste-collector.ts";

/** What the receiver needs from its session. */
export interface ReceiverHost<S> {
  /** Hand in-order bytes to the application; false pauses delivery until resume(). */
  deliver(view: Uint8Array): boolean;
  /** The peer's stream is complete (every byte before its FIN delivered). */
  ended(): void;
  /** The subflow to send an ACK on when none is given (the fastest), if any. */
  best(): S | undefined;
  /** DATA payload bytes received so far on `s` (reported in every ACK sent on it). */
  received(s: S): number;
  /** Write a control frame on `s`; false when it was dropped (the pipe's queue is too full). */
  control(frame: Uint8Array, s: S, droppable: boolean): boolean;
  /** Every subflow that is up (for ACKs that must not be lost with one path). */
  all(): readonly S[];
  now(): number;
}

/** Paused-delivery views shorter than this are copied together into blocks of READY_BLOCK bytes. */
const SMALL_VIEW = 4096;
const READY_BLOCK = 64 * 1024;
/** Repeated acks (for duplicates, duplicate FINs) at most this often. */
const REPEAT_ACK_MS = 20;
/** The ACK step (at most ⅛ of the window): the sender keeps 4 of them in flight (scheduler.ts). */
export const BASE_ACK_STEP = 256 * 1024;
/**
 * Above ~1.4 Gbit/s the step grows to what arrives in this long (up to MAX_ACK_STEP): 256 KiB steps on
 * loopback were 4.2k ACKs per GiB, and a third as many saved a one-subflow transfer ~4% of its CPU
 * (BENCHMARKS.md §1). Slower paths keep BASE_ACK_STEP, which bounds their in-flight data.
 */
export const ACK_INTERVAL_MS = 1.5;
export const MAX_ACK_STEP = 1 << 20;

export class Receiver<S> {
  readonly reorder: ReorderBuffer;
  /** Bytes handed to the application. */
  delivered = 0;
  /** The highest offset the peer has been allowed to send. */
  advertised = INITIAL_WINDOW;
  /** The peer's final offset, once its FIN arrived; and whether everything before it was delivered. */
  peerFin: number | null = null;
  finDelivered = false;
  private lastAck = -1;
  private lastAckLimit = -1;
  private lastAckAt = 0;
  private ready: Uint8Array[] = [];
  private readyBytes = 0;
  /** Receive-buffer bytes the views in `ready` keep alive, and where copying starts (see unpinned). */
  private readyPinned = 0;
  private readonly pinLimit: number;
  /** Block the small paused views are copied into, and how much of it is used. */
  private block: Uint8Array | null = null;
  private blockFill = 0;
  private paused = false;
  /** Ack after this much in-order progress: `baseStep`, or more at high rates (see ACK_INTERVAL_MS). */
  private ackEvery: number;
  private readonly baseStep: number;
  private readonly maxStep: number;
  /** In-order bytes per ms, smoothed over ticks; where `next` was at the last tick, and when. */
  private rate = 0;
  private rateNext = 0;
  private rateAt = -1;
  private repeatAckAt = -Infinity;
  /** What this receiver has charged to the memory budget. */
  private charged = 0;

  constructor(
    private readonly recvWindow: number,
    private readonly host: ReceiverHost<S>,
    private readonly budget: MemoryBudget | null = null,
  ) {
    // At most one held segment per 256 bytes of window on average (65 536 for 16 MiB): far more than
    // any sender's frames produce, and the bookkeeping stays a fraction of the window.
    // Views may keep receive buffers alive up to twice the window (+ 4 MiB) before held ones are copied.
    this.pinLimit = 2 * recvWindow + (4 << 20);
    this.reorder = new ReorderBuffer(Math.max(1024, recvWindow >>> 8), this.pinLimit);
    // Acks every ⅛ window (64 KiB … 256 KiB; more at high rates: measureRate) or on the session's tick:
    // the sender holds at most 4 such steps in flight (scheduler.ts ACK_STEPS), so smaller steps mean
    // less queued ahead of new data.
    this.baseStep = Math.max(64 * 1024, Math.min(BASE_ACK_STEP, recvWindow >>> 3));
    this.maxStep = Math.max(this.baseStep, Math.min(MAX_ACK_STEP, recvWindow >>> 3));
    this.ackEvery = this.baseStep;
  }

  /** DATA (or a fragment of it) from `via`. Throws ProtocolError when the peer broke a session rule. */
  onData(via: S, offset: number, payload: Uint8Array): void {
    const end = offset + payload.length;
    if (end > this.advertised) throw new ProtocolError("EWINDOW", `peer sent past the window (${end} > ${this.advertised})`);
    if (this.peerFin !== null && end > this.peerFin) throw new ProtocolError("EFIN", "data beyond the peer's FIN");
    const dup = this.reorder.duplicateBytes;
    let v = this.reorder.offer(offset, payload);
    if (this.reorder.duplicateBytes !== dup) wasteCollector.add(this.reorder.duplicateBytes - dup);
    if (v === null) {
      // A duplicate: our ack may have been lost, repeat it (not once per duplicate frame: a flood of
      // tiny duplicates must not become a flood of acks).
      if (end <= this.reorder.next) this.repeatAck(via);
      else this.account();
      return;
    }
    while (v !== null) {
      this.deliver(v);
      v = this.reorder.drain();
    }
    this.account();
    this.checkFin();
    if (this.reorder.next - this.lastAck >= this.ackEvery) this.ack(via);
  }

  /** Bytes held for the peer's stream (reorder buffer with its bookkeeping, paused deliveries). */
  get buffered(): number {
    return this.reorder.cost + this.readyBytes + this.ready.length * ENTRY_COST;
  }

  /** Bring the memory budget up to date with what is held now. */
  private account(): void {
    if (this.budget === null) return;
    const now = this.buffered;
    if (now !== this.charged) {
      this.budget.charge(now - this.charged);
      this.charged = now;
    }
  }

  /** Give back everything charged to the budget (the session is over). */
  dispose(): void {
    if (this.budget !== null && this.charged !== 0) this.budget.charge(-this.charged);
    this.charged = 0;
  }

  private repeatAck(via: S | null): void {
    const now = this.host.now();
    if (now - this.repeatAckAt < REPEAT_ACK_MS) return;
    this.repeatAckAt = now;
    if (via === null) this.ackEverywhere();
    else this.ack(via);
  }

  onFin(finalOffset: number): void {
    if (this.peerFin !== null && finalOffset !== this.peerFin) {
      throw new ProtocolError("EFIN", `FIN moved from ${this.peerFin} to ${finalOffset}`);
    }
    if (finalOffset < this.reorder.next || finalOffset < this.reorder.highest) {
      throw new ProtocolError("EFIN", `FIN at ${finalOffset} below data already received`);
    }
    const dup = this.peerFin !== null;
    this.peerFin = finalOffset;
    if (dup && this.finDelivered) this.repeatAck(null);
    else this.checkFin();
  }

  /** Resume delivery paused by the application. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const ready = this.ready;
    this.ready = [];
    this.readyBytes = 0;
    this.readyPinned = 0;
    this.block = null;
    let i = 0;
    while (i < ready.length && !this.paused) this.deliver(ready[i++]!);
    for (; i < ready.length; i++) this.hold(ready[i]!);
    this.account();
    this.checkFin();
    if (this.windowLimit() - this.lastAckLimit >= this.ackEvery) this.ack(null);
  }

  /**
   * Send a cumulative ACK with our window (on `via`, or the best subflow). Plain acks are dropped when
   * the pipe's queue is full (a peer that does not read gets no more); the timer repeats them. The one
   * that carries the FIN flag always goes.
   */
  ack(via: S | null): void {
    const s = via ?? this.host.best();
    if (s === undefined) return;
    // Never retract what was advertised; under memory pressure the window grows more slowly.
    const limit = Math.max(this.windowLimit(), this.advertised);
    const frame = encodeAck(this.reorder.next, limit, this.finDelivered, this.host.received(s));
    if (!this.host.control(frame, s, !this.finDelivered)) return;
    this.advertised = limit;
    this.lastAck = this.reorder.next;
    this.lastAckLimit = limit;
    this.lastAckAt = this.host.now();
  }

  /** The ACK that carries the FIN flag goes out on every subflow: losing it with one path stalls the close. */
  private ackEverywhere(): void {
    const subs = this.host.all();
    if (subs.length === 0) return;
    for (const s of subs) this.ack(s);
  }

  /** Timer: ack what arrived since the last ack, and refresh the ack every heartbeat (lost acks). */
  /** Data delivered since our last ACK. */
  get ackDue(): boolean {
    return this.reorder.next !== this.lastAck;
  }

  tick(now: number, heartbeatMs: number): void {
    this.measureRate(now);
    if (this.reorder.next !== this.lastAck || now - this.lastAckAt >= heartbeatMs) this.ack(null);
  }

  /** The current ACK step (tests). */
  get ackStep(): number {
    return this.ackEvery;
  }

  /** Smooth the in-order rate since the last tick and size the ACK step from it. */
  private measureRate(now: number): void {
    const next = this.reorder.next;
    if (this.rateAt >= 0 && now > this.rateAt) {
      const sample = (next - this.rateNext) / (now - this.rateAt);
      this.rate += (sample - this.rate) / 2;
      const step = Math.round(this.rate * ACK_INTERVAL_MS);
      this.ackEvery = Math.min(this.maxStep, Math.max(this.baseStep, step));
    }
    this.rateNext = next;
    this.rateAt = now;
  }

  private windowLimit(): number {
    return this.delivered + (this.budget === null ? this.recvWindow : this.budget.window(this.recvWindow));
  }

  private deliver(v: Uint8Array): void {
    if (this.paused) return this.hold(v);
    this.delivered += v.length;
    if (!this.host.deliver(v)) this.paused = true;
  }

  /**
   * Keep an in-order view while the application is paused. Small views are copied together into blocks
   * (a flood of 1-byte frames is not a flood of view objects), and a view that would pin a much larger
   * receive buffer is copied.
   */
  private hold(v: Uint8Array): void {
    if (v.length < SMALL_VIEW) {
      let b = this.block;
      if (b === null || this.blockFill + v.length > b.length) {
        b = this.block = new Uint8Array(READY_BLOCK);
        this.blockFill = 0;
        this.readyBytes += READY_BLOCK; // a block is charged whole
        this.ready.push(b);
      }
      b.set(v, this.blockFill);
      this.blockFill += v.length;
      this.ready[this.ready.length - 1] = b.subarray(0, this.blockFill);
      return;
    }
    this.block = null;
    this.readyBytes += v.length;
    const kept = unpinned(v, this.readyPinned, this.pinLimit);
    this.readyPinned += kept.buffer.byteLength;
    this.ready.push(kept);
  }

  private checkFin(): void {
    if (this.finDelivered || this.peerFin === null) return;
    if (this.reorder.next !== this.peerFin || this.ready.length > 0) return;
    this.finDelivered = true;
    this.ackEverywhere();
    this.host.ended();
  }
}
