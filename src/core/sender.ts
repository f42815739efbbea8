/**
 * The send half of a session: application writes become DATA frames in the bounded send buffer
 * (backpressure), the scheduler hands them to subflows, ACKs release them, and our FIN closes the
 * direction.
 */
import { ProtocolError, SessionError } from "./errors.ts";
import { ACK_FIN, encodeFin, HEADER_SIZE, sealData } from "./frame.ts";
import { INITIAL_WINDOW, type SessionOptions } from "./options.ts";
import { fillByCapacity, fillRedundant } from "./scheduler.ts";
import { type Segment, SendBuffer } from "./send-buffer.ts";
import type { Subflow } from "./subflow.ts";

/** Bytes a session may always keep in its send buffer, whatever the memory budget says. */
const MIN_SEND = 256 * 1024;

/** What the sender needs from its session. */
export interface SenderHost {
  /** Whether the session still takes data (open). */
  open(): boolean;
  /** Every subflow (FIN goes out on all of them). */
  subflows(): readonly Subflow[];
  /** Subflows in scheduling order. */
  order(): readonly Subflow[];
  /** write()/writeFrame() may be called again. */
  drain(): void;
  /** A frame given to writeFrame() is free for reuse. */
  release(frame: Uint8Array): void;
}

/**
 * write(): chunks from this size on keep the caller's bytes as their payload (no copy; header and payload
 * go out as a pair, Pipe.writePair); smaller ones are copied into one frame, which costs less than a
 * second write and keeps a small frame in one packet.
 */
const COPY_BELOW = 16 * 1024;

/** Unsent bytes held: what the paths drain in this long (see writable). */
const UNSENT_MS = 4;

/**
 * What resending for doubt may cost: credit for DOUBT_SHARE of every byte sent the first time, starting
 * at DOUBT_CREDIT_START and capped at DOUBT_CREDIT_MAX bytes. A doubt finding no credit resends nothing
 * (only the rules that declare a path dead then move its bytes): duplicates stay within 5% of the
 * stream, plus the start credit and one path's in-flight bytes.
 */
export const DOUBT_SHARE = 0.05;
export const DOUBT_CREDIT_START = 2 << 20;
export const DOUBT_CREDIT_MAX = 8 << 20;

export class Sender {
  readonly send = new SendBuffer<Subflow>();
  reinjectedBytes = 0;
  /** Bytes that doubts may still resend (DOUBT_SHARE). */
  doubtCredit = DOUBT_CREDIT_START;
  /** Our final offset once the application ended its stream, and whether the peer acknowledged it. */
  finOffset: number | null = null;
  finAcked = false;
  private finSentAt = -Infinity;
  private peerLimit = INITIAL_WINDOW;
  private needDrain = false;
  private pumping = false;
  private readonly fill: typeof fillByCapacity;
  private readonly redundant: boolean;
  /** What this sender has charged to the memory budget. */
  private charged = 0;

  /** Bytes a typical ACK acknowledges (smoothed): the in-flight needed to keep paths busy between ACKs. */
  private ackStep = 0;

  constructor(
    private readonly opts: SessionOptions,
    private readonly host: SenderHost,
  ) {
    this.redundant = opts.scheduler === "redundant";
    this.fill = this.redundant ? fillRedundant : fillByCapacity;
  }

  /**
   * True while the send buffer has room — below --send-buffer, and while the process's memory budget
   * is not used up (a session always keeps a minimum, so every stream keeps moving) — and the bytes not
   * yet sent are few: what the paths drain in UNSENT_MS (at least one chunk). The buffer keeps every
   * unacknowledged byte for retransmission, but new input is taken only when it can go out soon, like
   * TCP_NOTSENT_LOWAT: whatever is written later (a keystroke, a marker) never queues behind megabytes
   * of bulk inside bondcat.
   */
  get writable(): boolean {
    const b = this.send.bytes;
    return b < this.opts.sendBuffer && (b < MIN_SEND || !this.opts.budget.exhausted) && this.unsentBytes() < this.drainSoon;
  }

  private unsentBytes(): number {
    if (!this.redundant) return this.send.nxt - this.send.sentHigh;
    let sent = this.send.una;
    for (const s of this.host.subflows()) if (s.cursor > sent) sent = s.cursor;
    return this.send.nxt - sent;
  }

  /** Bytes the paths drain in UNSENT_MS (at least one chunk): the unsent bound, and what input is worth reading ahead. */
  get drainSoon(): number {
    let rate = 0;
    for (const s of this.host.subflows()) if (s.state === "up") rate += s.rate;
    return Math.max(this.opts.chunkSize, rate * UNSENT_MS);
  }

  /** Bring the memory budget up to date with the bytes held in the send buffer. */
  private account(): void {
    const now = this.send.bytes;
    if (now !== this.charged) {
      this.opts.budget.charge(now - this.charged);
      this.charged = now;
    }
  }

  /** Give back everything charged to the budget (the session is over). */
  dispose(): void {
    if (this.charged !== 0) this.opts.budget.charge(-this.charged);
    this.charged = 0;
  }

  /**
   * Queue bytes; false when the caller should wait for `drain`. Chunks of COPY_BELOW bytes and more are
   * not copied: each frame keeps a view of `bytes` as its payload, written after its own header
   * (Pipe.writePair), until the peer acknowledges it — so the caller must not modify `bytes` after
   * write() (see Session.write). Smaller chunks are copied into one whole frame.
   */
  write(bytes: Uint8Array): boolean {
    const size = this.opts.chunkSize;
    for (let pos = 0; pos < bytes.length; pos += size) {
      const n = Math.min(size, bytes.length - pos);
      if (n >= COPY_BELOW) {
        this.enqueue(new Uint8Array(HEADER_SIZE), false, bytes.subarray(pos, pos + n));
        continue;
      }
      const frame = new Uint8Array(HEADER_SIZE + n);
      frame.set(bytes.subarray(pos, pos + n), HEADER_SIZE);
      this.enqueue(frame, false);
    }
    this.pump();
    return this.afterWrite();
  }

  /** Zero-copy write of a frame with HEADER_SIZE free bytes in front (see Session.writeFrame). */
  writeFrame(frame: Uint8Array): boolean {
    if (frame.length <= HEADER_SIZE) return this.writable;
    if (this.redundant) {
      // Every subflow sends every frame and the slowest may still hold it when it is acknowledged:
      // keep a copy nobody reuses, and give the caller's memory back at once.
      this.enqueue(frame.slice(), false);
      this.host.release(frame);
    } else this.enqueue(frame, true);
    this.pump();
    return this.afterWrite();
  }

  /** No more data: FIN at the current end of the stream. */
  end(): void {
    if (this.finOffset !== null) return;
    this.finOffset = this.send.nxt;
    this.sendFin();
  }

  /** A cumulative ACK from the peer. Throws ProtocolError for an ack beyond the data sent. */
  onAck(ack: number, limit: number, flags: number): void {
    if (ack > this.send.nxt) throw new ProtocolError("EACK", `ack ${ack} beyond data sent (${this.send.nxt})`);
    if (limit > this.peerLimit) this.peerLimit = limit;
    const freed = this.send.ack(ack, this.acked);
    if (freed > 0) {
      this.account();
      this.ackStep = this.ackStep === 0 ? freed : this.ackStep + (freed - this.ackStep) / 8;
    }
    if ((flags & ACK_FIN) !== 0 && this.finOffset !== null && ack === this.finOffset) this.finAcked = true;
    if (freed > 0 && this.needDrain && this.writable) {
      this.needDrain = false;
      this.host.drain();
    }
    this.pump();
  }

  /** Every pipe was retired by a peer that is done: if all our data was acknowledged, so was our FIN. */
  inferFinAcked(): boolean {
    if (this.finOffset !== null && this.send.una === this.finOffset) this.finAcked = true;
    return this.finAcked;
  }

  /** A subflow is gone: what it had in flight goes out again on the others. */
  reinjectFrom(sub: Subflow): void {
    this.send.reinjectFrom(sub);
  }

  /**
   * A subflow in doubt (still alive, marked by the caller): what it has in flight goes out again on the
   * others now. Its pipe first copies what it still queues, so when the peer acknowledges a frame (via
   * either path) no pipe holds memory the application reuses. Returns the bytes queued, or -1 when the
   * pipe cannot detach or the duplicate budget is spent (nothing is resent; the rules that declare it
   * dead still apply).
   */
  penalize(sub: Subflow): number {
    if (this.redundant || this.doubtCredit <= 0 || !sub.detach()) return -1;
    const n = this.send.reinjectFrom(sub, false);
    this.doubtCredit -= n;
    this.pump();
    return n;
  }

  /** A subflow left doubt: what it still carries and was not resent yet stays its own (SendBuffer.recall). */
  recall(sub: Subflow): void {
    this.doubtCredit += this.send.recall(sub);
  }

  /** FIN goes out on every subflow (it is 16 bytes): a silently dead path must not hold up the close. */
  sendFin(): void {
    const subs = this.host.subflows();
    if (subs.length === 0 || this.finOffset === null || this.finAcked) return;
    this.finSentAt = this.opts.now();
    const frame = encodeFin(this.finOffset);
    for (const s of subs) s.sendControl(frame);
  }

  /** Timer: repeat an unacknowledged FIN after `retryMs`. */
  /** Work for the session's fast tick: unacknowledged data, a FIN not yet acked, a drain owed. */
  get pending(): boolean {
    return this.send.bytes > 0 || (this.finOffset !== null && !this.finAcked) || this.needDrain;
  }

  tick(now: number, retryMs: number): void {
    if (this.finOffset !== null && !this.finAcked && now - this.finSentAt > retryMs) this.sendFin();
    // Room may have come back from the memory budget (other sessions freed theirs).
    this.drainIfWritable();
  }

  /** A writer waiting for room is told once there is some. */
  private drainIfWritable(): void {
    if (this.needDrain && this.writable) {
      this.needDrain = false;
      this.host.drain();
    }
  }

  /** The scheduler: hand frames to subflows (policy in scheduler.ts). */
  pump(): void {
    if (this.pumping || !this.host.open()) return;
    this.pumping = true;
    try {
      this.fill(this.host.order(), this.send, this.peerLimit, this.opts, this.transmit, this.ackStep);
    } finally {
      this.pumping = false;
    }
    // Sending made room under the unsent limit (acks make room in the buffer: onAck).
    this.drainIfWritable();
  }

  private readonly acked = (seg: Segment<Subflow>): void => {
    if (seg.owned) this.host.release(seg.frame);
  };

  /** `body`: the payload, kept apart from `frame` (then its header alone). */
  private enqueue(frame: Uint8Array, owned: boolean, body?: Uint8Array): void {
    if (this.finOffset !== null) throw new SessionError("EWRITEAFTEREND", "write after end()");
    if (!this.host.open()) throw new SessionError("ECLOSED", "write to a closed session");
    const n = body === undefined ? frame.length - HEADER_SIZE : body.length;
    sealData(frame, this.send.nxt, n);
    this.send.push(frame, n, owned, body);
  }

  private afterWrite(): boolean {
    this.account();
    if (this.writable) return true;
    this.needDrain = true;
    return false;
  }

  /**
   * Put a frame on a subflow. A frame the application owns (writeFrame) is released for reuse once
   * acknowledged, and may then still sit in the queue of a live pipe it was also sent on (a subflow in
   * doubt keeps its pipe). So every resend of such a frame goes out as a private copy, made once, and a
   * subflow in doubt detaches its queue (penalize): no live pipe ever holds released memory.
   */
  private readonly transmit = (s: Subflow, seg: Segment<Subflow>): void => {
    const len = seg.end - seg.offset;
    let frame = seg.frame;
    if (!this.redundant) {
      if (seg.sends > 0) {
        s.reinjectedBytes += len;
        this.reinjectedBytes += len;
        if (seg.owned) frame = seg.copy ??= seg.frame.slice();
      } else if (this.doubtCredit < DOUBT_CREDIT_MAX) {
        this.doubtCredit = Math.min(DOUBT_CREDIT_MAX, this.doubtCredit + len * DOUBT_SHARE);
      }
      seg.sentOn = s;
    }
    seg.sends++;
    s.sendData(frame, len, seg.body, seg.sends > 1);
  };
}
