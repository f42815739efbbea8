/**
 * One v0 connection seen from the engine: the state its subflows (V0Pipe adapters) share.
 *
 * Send direction: the engine's DATA frames carry connection byte offsets; v0 numbers frames. Each new
 * frame takes the next number, a frame the engine sends again (same offset, same bytes) keeps its
 * number, and v0's per-frame acks become the engine's cumulative ACK (the offset below which every
 * frame is acknowledged). v0 has no FIN: our end of stream is "acknowledged" once every frame up to it
 * is, and then, as v0 ends a connection, the whole session ends (every subflow closed).
 *
 * Receive direction: frames arrive numbered, in any order, on any subflow. They wait in a ring (at most
 * RING_FRAMES ahead and `recvWindow` bytes; beyond that they are dropped unacknowledged and the peer
 * sends them again) and go to the engine in order as DATA at consecutive offsets, within the window the
 * engine announces. When the peer closed every subflow (v0's end of stream) the engine gets a FIN at
 * the offset delivered so far, once everything received in order is in.
 */
import { AbortCode, encodeAbort, encodeAck, encodeFin } from "../../core/frame.ts";
import { INITIAL_WINDOW, type SessionOptions } from "../../core/options.ts";
import { V0_FIRST_SEQ } from "./codec.ts";
import { type ResendPort, V0Resender } from "./resend.ts";

/** Frames the receive ring holds past the next one due (as the Go receiver). */
export const RING_FRAMES = 4096;
/**
 * Bytes the ring may hold (at least; --recv-window when larger). A v0 peer has no window: the Go sender
 * keeps up to ~500 frames unacknowledged (≤ 32 KiB each from its io.Copy reads, ≈ 16 MiB), and a subflow
 * whose socket buffers lag behind the others puts that much between the frame due and the newest ones.
 * A ring smaller than that drops frames the sender then resends one by one (measured on loopback with
 * the 8 MiB default window: 64 MiB took > 30 s instead of < 1 s).
 */
export const RING_MIN_BYTES = 32 << 20;
/** v0 has no window: the engine is told it may send this far past what is acknowledged. */
const SEND_WINDOW = 1 << 30;

/** Where the v0 code reports (the composition layer passes the CLI's logger; silent by default). */
export interface V0Log {
  warn(message: string): void;
  debug(message: string): void;
}

export const SILENT_LOG: V0Log = { warn() {}, debug() {} };

/** What the connection needs from a subflow's adapter to talk to the engine. */
export interface V0Port {
  /** Whether frames can still be handed to the engine through this adapter. */
  readonly usable: boolean;
  inject(frame: Uint8Array): void;
  injectData(offset: number, fragments: Uint8Array[], len: number): void;
  /** Payload bytes of frames sent on this subflow that the peer acknowledged on it. */
  readonly acked: number;
}

interface HeldFrame {
  fragments: Uint8Array[];
  len: number;
}

export class V0Connection {
  readonly label: string;
  readonly ports = new Set<V0Port>();
  /** Raw subflows not yet ended or closed by the peer. */
  liveRaw = 0;
  // ---- send direction
  private nextSeq = V0_FIRST_SEQ;
  private sentEnd = 0;
  private readonly unacked = new Map<number, { offset: number; len: number }>();
  private readonly seqAt = new Map<number, number>();
  private lowest = V0_FIRST_SEQ;
  cumAck = 0;
  /** Frames the peer dropped go out again (resend.ts); stops when the last subflow is gone. */
  readonly resender = new V0Resender(() => this.ports.size > 0);
  private ourFin: number | null = null;
  private finAckSent = false;
  // ---- receive direction
  private expect = V0_FIRST_SEQ;
  private delivered = 0;
  private readonly ring = new Map<number, HeldFrame>();
  private ringBytes = 0;
  private engineLimit = INITIAL_WINDOW;
  /** The engine delivered the FIN we gave it (its ACK carried the FIN flag). */
  private peerFinDelivered = false;
  private receiveEnding = false;
  private peerFinSent = false;
  private peerGone = false;
  private abortSent = false;
  private settling = false;
  private readonly ringLimit: number;

  constructor(
    readonly cid: Uint8Array,
    private readonly opts: SessionOptions,
    readonly log: V0Log = SILENT_LOG,
  ) {
    this.label = Buffer.from(cid).toString("hex").slice(0, 8);
    this.ringLimit = Math.max(opts.recvWindow, RING_MIN_BYTES);
  }

  // ---------------------------------------------------------------- send direction

  /**
   * The frame number of an engine DATA frame at `offset` (a new number for a new frame), or null for a
   * resent frame the peer has acknowledged already (the engine resends on doubt before it has heard
   * of that ack): it arrived, so nothing is sent again.
   */
  seqFor(offset: number, len: number): number | null {
    if (offset === this.sentEnd) {
      const seq = this.nextSeq++;
      this.sentEnd += len;
      this.unacked.set(seq, { offset, len });
      this.seqAt.set(offset, seq);
      return seq;
    }
    const seq = this.seqAt.get(offset);
    if (seq !== undefined) return seq;
    if (offset < this.sentEnd) return null; // numbered once and acknowledged since
    throw new Error(`v0: engine sent offset ${offset} beyond the stream's end ${this.sentEnd}`);
  }

  /** The peer acknowledged frame `seq` on `port`; returns whether the cumulative ack moved. */
  acked(seq: number, port: ResendPort): boolean {
    this.resender.acked(seq, port);
    const f = this.unacked.get(seq);
    if (!f) return false;
    this.unacked.delete(seq);
    this.seqAt.delete(f.offset);
    const before = this.cumAck;
    while (this.lowest < this.nextSeq && !this.unacked.has(this.lowest)) this.lowest++;
    this.cumAck = this.lowest < this.nextSeq ? this.unacked.get(this.lowest)!.offset : this.sentEnd;
    return this.cumAck !== before;
  }

  /** The engine's ACK for what it sent, as v0 acks told us (FIN flag once our end is covered). */
  ackFrame(port: V0Port): Uint8Array {
    const fin = this.ourFin !== null && this.cumAck === this.ourFin;
    if (fin && !this.finAckSent) {
      this.finAckSent = true;
      // v0 ends the connection with our stream (as the Go peer at its stdin's EOF) — unless we sent
      // nothing at all (--recv-only, stdin /dev/null): that side only receives, until the peer closes.
      if (this.ourFin! > 0) this.receiveEnding = true;
      this.later();
    }
    return encodeAck(this.cumAck, this.cumAck + SEND_WINDOW, fin, port.acked);
  }

  /** The engine ended its stream at `final` (its FIN, which v0 cannot carry). */
  engineFin(final: number): void {
    if (this.ourFin !== null) return;
    this.ourFin = final;
    if (this.cumAck === final) this.later();
  }

  // ---------------------------------------------------------------- receive direction

  /** A whole data frame arrived; returns whether to acknowledge it. */
  frameIn(seq: number, fragments: Uint8Array[], len: number): boolean {
    if (this.receiveEnding) return false;
    if (seq < this.expect || this.ring.has(seq)) return true; // a duplicate: ack it, drop it
    // The frame due next is always taken (it is what everything else waits for); others within bounds.
    if (seq !== this.expect && (seq >= this.expect + RING_FRAMES || this.ringBytes + len > this.ringLimit)) {
      this.log.debug(`v0 ${this.label}: frame ${seq} dropped unacknowledged (receive ring full: ${this.ring.size} frames, ${this.ringBytes} bytes; next due ${this.expect})`);
      return false;
    }
    if (seq !== this.expect && this.opts.budget.exhausted) {
      this.log.debug(`v0 ${this.label}: frame ${seq} dropped unacknowledged (the process memory budget is used up)`);
      return false;
    }
    this.ring.set(seq, { fragments, len });
    this.hold(len);
    return true;
  }

  /** The engine's ACK going out: its window edge may have moved; its FIN flag = our FIN delivered. */
  engineAck(limit: number, fin: boolean): void {
    const grew = limit > this.engineLimit;
    if (grew) this.engineLimit = limit;
    if (fin && this.peerFinSent && !this.peerFinDelivered) this.peerFinDelivered = true;
    else if (!grew) return;
    this.later();
  }

  /** A raw subflow was ended or closed by the peer; true when it was the last one (the end of v0). */
  rawGone(): boolean {
    this.liveRaw--;
    if (this.liveRaw > 0 || this.peerGone) return false;
    this.peerGone = true;
    this.receiveEnding = true;
    this.later();
    return true;
  }

  /** Move what can move: in-order frames into the engine, the FIN, the end of the session. */
  settle(): void {
    if (this.settling) return;
    this.settling = true;
    try {
      this.flush();
    } finally {
      this.settling = false;
    }
  }

  private flush(): void {
    const port = this.port();
    if (!port) return;
    for (let f = this.ring.get(this.expect); f && this.delivered + f.len <= this.engineLimit; f = this.ring.get(this.expect)) {
      this.ring.delete(this.expect);
      this.hold(-f.len);
      port.injectData(this.delivered, f.fragments, f.len);
      this.delivered += f.len;
      this.expect++;
    }
    if (this.ourFin !== null && this.cumAck === this.ourFin && !this.finAckSent) port.inject(this.ackFrame(port));
    if (this.receiveEnding && !this.peerFinSent && !this.ring.has(this.expect)) {
      if (this.ring.size > 0) this.log.warn(`v0 ${this.label}: ${this.ring.size} frame(s) received past a gap were not delivered (the connection ended)`);
      this.dispose();
      this.peerFinSent = true;
      port.inject(encodeFin(this.delivered));
    }
    if (this.peerGone && this.peerFinDelivered && !this.finAckSent && !this.abortSent) {
      // The peer closed the connection and everything it sent is written out; our own stream cannot go
      // on (v0 has no half-close). A NORMAL abort ends the session without error.
      this.abortSent = true;
      const lost = this.sentEnd - this.cumAck;
      port.inject(encodeAbort(AbortCode.NORMAL, `the v0 peer closed the connection${lost > 0 ? ` (${lost} bytes we sent were not acknowledged)` : ""}`));
    }
  }

  /** Ring bytes count against the process-wide memory budget, as the engine's buffers do. */
  private hold(delta: number): void {
    this.ringBytes += delta;
    this.opts.budget.charge(delta);
  }

  /** The session is over (or its receive side is): drop what the ring still holds. */
  dispose(): void {
    this.ring.clear();
    this.hold(-this.ringBytes);
  }

  private port(): V0Port | undefined {
    for (const p of this.ports) if (p.usable) return p;
    return undefined;
  }

  private scheduled = false;
  /** Settle after the current call: never re-enter the engine from inside one of its writes. */
  later(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.settle();
    });
  }
}
