/**
 * The receive half of a session: reassembly by offset, in-order delivery with application
 * backpressure, the advertised window, acknowledgements and the peer's FIN.
 */
import { ProtocolError } from "./errors.ts";
import { encodeAck } from "./frame.ts";
import { INITIAL_WINDOW } from "./options.ts";
import { ReorderBuffer } from "./reorder-buffer.ts";

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
  /** Write a control frame on `s`. */
  control(frame: Uint8Array, s: S): void;
  /** Every subflow that is up (for ACKs that must not be lost with one path). */
  all(): readonly S[];
  now(): number;
}

export class Receiver<S> {
  readonly reorder = new ReorderBuffer();
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
  private paused = false;
  private readonly ackEvery: number;

  constructor(
    private readonly recvWindow: number,
    private readonly host: ReceiverHost<S>,
  ) {
    // Acks every ⅛ window (64 KiB … 1 MiB) or on the session's tick: cheap, and the sender's buffer
    // is freed long before it fills.
    this.ackEvery = Math.max(64 * 1024, Math.min(1 << 20, recvWindow >>> 3));
  }

  /** DATA (or a fragment of it) from `via`. Throws ProtocolError when the peer broke a session rule. */
  onData(via: S, offset: number, payload: Uint8Array): void {
    const end = offset + payload.length;
    if (end > this.advertised) throw new ProtocolError("EWINDOW", `peer sent past the window (${end} > ${this.advertised})`);
    if (this.peerFin !== null && end > this.peerFin) throw new ProtocolError("EFIN", "data beyond the peer's FIN");
    let v = this.reorder.offer(offset, payload);
    if (v === null) {
      if (end <= this.reorder.next) this.ack(via); // a duplicate: our ack may have been lost, repeat it
      return;
    }
    while (v !== null) {
      this.deliver(v);
      v = this.reorder.drain();
    }
    this.checkFin();
    if (this.reorder.next - this.lastAck >= this.ackEvery) this.ack(via);
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
    if (dup && this.finDelivered) this.ackEverywhere();
    else this.checkFin();
  }

  /** Resume delivery paused by the application. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    while (this.ready.length > 0 && !this.paused) this.deliver(this.ready.shift()!);
    this.checkFin();
    if (this.windowLimit() - this.lastAckLimit >= this.ackEvery) this.ack(null);
  }

  /** Send a cumulative ACK with our window (on `via`, or the best subflow). */
  ack(via: S | null): void {
    const s = via ?? this.host.best();
    if (s === undefined) return;
    const limit = this.windowLimit();
    if (limit > this.advertised) this.advertised = limit;
    this.lastAck = this.reorder.next;
    this.lastAckLimit = limit;
    this.lastAckAt = this.host.now();
    this.host.control(encodeAck(this.reorder.next, limit, this.finDelivered, this.host.received(s)), s);
  }

  /** The ACK that carries the FIN flag goes out on every subflow: losing it with one path stalls the close. */
  private ackEverywhere(): void {
    const subs = this.host.all();
    if (subs.length === 0) return;
    for (const s of subs) this.ack(s);
  }

  /** Timer: ack what arrived since the last ack, and refresh the ack every heartbeat (lost acks). */
  tick(now: number, heartbeatMs: number): void {
    if (this.reorder.next !== this.lastAck || now - this.lastAckAt >= heartbeatMs) this.ack(null);
  }

  private windowLimit(): number {
    return this.delivered + this.recvWindow;
  }

  private deliver(v: Uint8Array): void {
    if (this.paused) {
      this.ready.push(v);
      return;
    }
    this.delivered += v.length;
    if (!this.host.deliver(v)) this.paused = true;
  }

  private checkFin(): void {
    if (this.finDelivered || this.peerFin === null) return;
    if (this.reorder.next !== this.peerFin || this.ready.length > 0) return;
    this.finDelivered = true;
    this.ackEverywhere();
    this.host.ended();
  }
}
