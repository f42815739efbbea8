/**
 * The v0 adapter: one v0 subflow (after its lead bytes) as a pipe that speaks the engine's frames.
 * The engine's Subflow attaches to it as to any pipe; what it writes is translated to v0 and what the
 * peer sends is translated back (the shared numbering and ring live in V0Connection):
 *
 *   engine → wire   DATA(offset) → data frame (number from the offset) · PING → ping · FIN → noted
 *                   (v0 has none) · ACK → window and FIN-delivered noted, nothing sent (v0 acks each
 *                   frame on arrival instead) · PONG, ABORT → nothing (v0 has no such frame)
 *   wire → engine   data frame → acked at once on this subflow, DATA in order via the ring · ack →
 *                   cumulative ACK (with this subflow's acknowledged bytes) · pong → PONG with the
 *                   token of our oldest unanswered ping · ping → pong, answered here
 *
 * Every engine write is one whole frame (Subflow writes them so), which keeps the translation simple.
 */
import { FrameType, HEADER_SIZE, readU32, readU64, writeHeader, encodePing } from "../../core/frame.ts";
import { ProtocolError } from "../../core/errors.ts";
import type { Pipe, PipeHandler, PipeInfo } from "../../contract/pipe.ts";
import { encodeFrameHead, V0_FIRST_SEQ, V0_PING, V0_PONG, V0Decoder, type V0Sink } from "./codec.ts";
import type { V0Connection, V0Port } from "./connection.ts";
import type { ResendPort } from "./resend.ts";

const PING = encodeFrameHead(0, V0_PING);
const PONG = encodeFrameHead(0, V0_PONG);
/** Frames are sent again (resend.ts) only while less than this waits in the subflow's queue. */
const RESEND_QUEUE_MAX = 1 << 20;
/** Unanswered pings remembered for their tokens (the engine sends one a second). */
const MAX_PINGS = 16;

export class V0Pipe implements Pipe, PipeHandler, V0Port, V0Sink, ResendPort {
  readonly info: PipeInfo;
  acked = 0;
  private handler: PipeHandler | null = null;
  private readonly decoder = new V0Decoder(this);
  /** Frames sent on this subflow and not yet acknowledged on it: number → payload bytes. */
  private readonly sent = new Map<number, number>();
  private readonly pings: number[] = [];
  /** Data frame being received in fragments. */
  private frags: Uint8Array[] = [];
  private fragLen = 0;
  /** Acks and pongs to write after the current chunk (one write per chunk). */
  private out: number[] = [];
  private ackMoved = false;
  /** The peer ended or closed the raw pipe / the engine closed or aborted us. */
  private rawDone = false;
  private rawClosed: { err?: Error } | null = null;
  private engineDone = false;
  /** This adapter outlived the last raw subflow to carry the end of the session to the engine. */
  private holding = false;
  private reported = false;

  constructor(
    private readonly raw: Pipe,
    private readonly conn: V0Connection,
    dialer: boolean,
  ) {
    this.info = { ...raw.info, details: { ...raw.info.details, wire: "v0" } };
    conn.ports.add(this);
    conn.liveRaw++;
    raw.attach(this);
    // The dialer answers its handshake with a pong (the listener times it for the RTT).
    if (dialer) raw.write(PONG);
  }

  get usable(): boolean {
    return this.handler !== null && !this.reported && !this.engineDone;
  }
  get queued(): number {
    return this.raw.queued;
  }

  // ---------------------------------------------------------------- engine side (Pipe)

  attach(handler: PipeHandler): void {
    this.handler = handler;
    this.conn.later();
  }

  write(bytes: Uint8Array): boolean {
    const type = bytes[0];
    if (bytes.length !== HEADER_SIZE + readU32(bytes, 4)) throw new Error("v0: the engine wrote something other than one whole frame");
    switch (type) {
      case FrameType.DATA:
        return this.writePair(bytes, bytes.subarray(HEADER_SIZE));
      case FrameType.PING:
        if (this.rawDone) return true;
        if (this.pings.length === MAX_PINGS) this.pings.shift();
        this.pings.push(readU64(bytes, 8));
        return this.raw.write(PING);
      case FrameType.ACK:
        this.conn.engineAck(readU64(bytes, HEADER_SIZE), (bytes[1]! & 1) !== 0);
        return true;
      case FrameType.FIN:
        this.conn.engineFin(readU64(bytes, 8));
        return true;
      default:
        return true; // PONG (never asked for), ABORT: v0 cannot say it; the engine closes the pipes next
    }
  }

  /** A DATA frame (`head`: its engine header, `body`: its payload); v0 writes a head of its own anyway. */
  writePair(head: Uint8Array, body: Uint8Array): boolean {
    if (this.rawDone) return true; // the peer is gone: what the engine still sends cannot arrive
    const seq = this.conn.seqFor(readU64(head, 8), body.length);
    if (seq === null) return true; // the peer acknowledged it already
    this.sent.set(seq, body.length);
    this.raw.write(encodeFrameHead(body.length, seq));
    const ok = this.raw.write(body);
    this.conn.resender.sent(seq, body, this);
    return ok;
  }

  /** Frame `seq` again: the peer dropped it (resend.ts). Its ack then counts on this subflow. */
  resend(seq: number, body: Uint8Array): boolean {
    // With this much not yet written to the socket, the frame would only wait behind it: later.
    if (this.rawDone || this.raw.queued > RESEND_QUEUE_MAX) return false;
    this.conn.log.debug(`v0 ${this.conn.label}: frame ${seq} sent again on ${this.info.remote} (not acknowledged: the peer dropped it)`);
    this.sent.set(seq, body.length);
    this.raw.write(encodeFrameHead(body.length, seq));
    this.raw.write(body);
    return true;
  }

  close(): void {
    this.engineDone = true;
    if (this.rawClosed) this.report();
    else this.raw.close();
  }

  abort(err?: Error): void {
    this.engineDone = true;
    if (this.rawClosed) this.report();
    else this.raw.abort(err);
  }

  // ---------------------------------------------------------------- to the engine (V0Port)

  inject(frame: Uint8Array): void {
    this.handler?.data(frame);
  }

  injectData(offset: number, fragments: Uint8Array[], len: number): void {
    const h = new Uint8Array(HEADER_SIZE);
    writeHeader(h, 0, FrameType.DATA, 0, 0, len, offset);
    this.handler?.data(h);
    for (const f of fragments) this.handler?.data(f);
  }

  // ---------------------------------------------------------------- wire side (V0Sink)

  onData(seq: number, fragment: Uint8Array, first: boolean, last: boolean): void {
    if (first) {
      this.frags = [];
      this.fragLen = 0;
    }
    this.frags.push(fragment);
    this.fragLen += fragment.length;
    if (!last) return;
    if (this.conn.frameIn(seq, this.frags, this.fragLen)) this.out.push(seq);
    this.frags = [];
  }

  onControl(n: number): void {
    if (n === V0_PING) this.out.push(V0_PONG);
    else if (n === V0_PONG) {
      const token = this.pings.shift();
      if (token !== undefined) this.inject(encodePing(FrameType.PONG, token));
    } else if (n >= V0_FIRST_SEQ) {
      const len = this.sent.get(n);
      if (len !== undefined) {
        this.sent.delete(n);
        this.acked += len;
        this.ackMoved = true;
      }
      if (this.conn.acked(n, this)) this.ackMoved = true;
    }
  }

  // ---------------------------------------------------------------- raw side (PipeHandler)

  data(view: Uint8Array): void {
    if (this.engineDone && this.reported) return;
    try {
      this.decoder.push(view);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      // Bad v0 input closes this subflow only, as in v1; its frames go out again on the others.
      this.conn.log.warn(`v0 ${this.conn.label}: subflow ${this.info.remote} dropped: ${err.message}`);
      this.raw.abort(err);
      return;
    }
    this.afterChunk();
  }

  private afterChunk(): void {
    if (this.out.length > 0) {
      let size = 0;
      for (const n of this.out) size += n === V0_PONG ? PONG.length : encodeFrameHead(0, n).length;
      const buf = new Uint8Array(size);
      let at = 0;
      for (const n of this.out) {
        const f = n === V0_PONG ? PONG : encodeFrameHead(0, n);
        buf.set(f, at);
        at += f.length;
      }
      this.out = [];
      this.raw.write(buf);
    }
    if (this.ackMoved) {
      this.ackMoved = false;
      this.inject(this.conn.ackFrame(this));
    }
    this.conn.settle();
  }

  drain(): void {
    this.handler?.drain();
  }

  end(): void {
    this.gone();
    if (!this.holding) this.handler?.end();
  }

  closed(err?: Error): void {
    this.gone();
    this.rawClosed = err ? { err } : {};
    if (!this.holding || this.engineDone) this.report();
  }

  private gone(): void {
    if (this.rawDone) return;
    this.rawDone = true;
    // The last subflow of the connection: v0's end of stream. This adapter stays up towards the
    // engine until the connection has delivered everything and the engine closes it.
    if (this.conn.rawGone() && !this.engineDone) {
      this.holding = true;
      this.raw.close();
    }
  }

  private report(): void {
    if (this.reported) return;
    this.reported = true;
    this.conn.ports.delete(this);
    const err = this.rawClosed?.err;
    queueMicrotask(() => this.handler?.closed(err));
  }
}
