/**
 * One subflow: a pipe in two phases. First the handshake (exact-length reads, async, off the hot
 * path), then frames: the decoder feeds the owning session, and the session writes frames through it.
 * Tracks what a scheduler needs: in-flight bytes, RTT, writability, delivery rate, liveness.
 */
import { FrameDecoder, type FrameSink } from "./decoder.ts";
import { HandshakeError, ProtocolError, SessionError } from "./errors.ts";
import { HandshakeReader } from "./handshake-reader.ts";
import { encodePing, FrameType, joinFrame } from "./frame.ts";
import type { Pipe, PipeHandler, PipeInfo } from "../contract/pipe.ts";
import { PongLimit } from "./pong-limit.ts";
import { ReadPacer } from "./read-pacer.ts";
import { RttEstimator } from "./rtt.ts";
import { describeFrame, type Trace } from "./trace.ts";

/** What a subflow reports to its session. */
export interface SubflowOwner {
  frameSink(sub: Subflow): FrameSink;
  subflowWritable(sub: Subflow): void;
  subflowClosed(sub: Subflow, err?: Error): void;
  /** The peer ended its side of the pipe while the subflow was up. */
  subflowEnded(sub: Subflow): void;
  /** A non-protocol exception while handling this subflow's frames. */
  internalError(err: Error): void;
}

export type SubflowState = "handshake" | "up" | "closing" | "closed";

let nextId = 1;

export { EARLY_DATA, PREAUTH_SLACK } from "./handshake-reader.ts";
export { PONG_BURST, PONG_PERIOD_MS } from "./pong-limit.ts";
/** Acks and pongs are dropped while more than this (beyond one largest frame) waits in the pipe. */
export const CONTROL_SLACK = 64 * 1024;

export class Subflow implements PipeHandler {
  readonly id = nextId++;
  state: SubflowState = "handshake";
  backup = false;
  label = "";
  readonly rtt = new RttEstimator();
  /**
   * DATA payload bytes in flight on this subflow: sent here and not yet reported received by the peer
   * on this subflow (per-subflow acks, so bytes delivered past a connection-level hole do not count).
   */
  inflight = 0;
  /** DATA payload bytes written to this subflow / reported received by the peer / received here. */
  dataSent = 0;
  peerReceived = 0;
  dataReceived = 0;
  /** `dataReceived` as last reported to the peer in an ACK on this subflow. */
  reported = 0;
  /** When the peer last reported progress here, or the subflow went from idle to busy (liveness.ts). */
  progressAt = 0;
  /** Went from idle to busy and no report since: the first one takes a full round trip (liveness.ts). */
  awaitingFirst = false;
  /**
   * In doubt: bytes stayed unacknowledged too long, so they were resent on other paths and this one gets
   * no new data until the peer reports progress on it again (or it is declared dead). See liveness.ts.
   */
  doubt = false;
  /** Redundant scheduler: offset of the next byte this subflow sends. */
  cursor = 0;
  writable = true;
  bytesSent = 0;
  bytesReceived = 0;
  reinjectedBytes = 0;
  /** Smoothed delivery rate (bytes/ms) from the peer's per-subflow receive reports. */
  rate = 0;
  private rateMark = 0;
  private rateAt = 0;
  lastReceiveAt = 0;
  lastPingAt = 0;
  openedAt = 0;
  error: Error | undefined;

  private owner: SubflowOwner | null = null;
  private pacer: ReadPacer | null = null;
  private readonly hs = new HandshakeReader();
  private readonly pongs = new PongLimit();
  // frames phase: queue limits (see bind)
  private controlHighWater = Number.MAX_SAFE_INTEGER;
  private maxQueue = Number.MAX_SAFE_INTEGER;

  constructor(
    readonly pipe: Pipe,
    private readonly now: () => number,
    /** -vv (src/contract/trace.ts): null when off, checked once per frame. */
    readonly trace: Trace | null = null,
  ) {
    this.openedAt = now();
    pipe.attach(this);
  }

  /** How trace lines name this subflow: its path label, else "#id transport remote". */
  get name(): string {
    return this.label || `#${this.id} ${this.pipe.info.transport} ${this.pipe.info.remote}`;
  }

  /** A trace line about this subflow (handshake steps, decisions); nothing without a trace hook. */
  note(text: string): void {
    if (this.trace !== null) this.trace(this.name, text);
  }

  get info(): PipeInfo {
    return this.pipe.info;
  }

  /** Handshake phase: resolve with exactly `n` bytes. */
  readExact(n: number, timeoutMs: number): Promise<Uint8Array> {
    if (this.state !== "handshake") return Promise.reject(new HandshakeError("ESTATE", "handshake is over"));
    return this.hs.read(n, timeoutMs);
  }

  write(bytes: Uint8Array): void {
    this.pipe.write(bytes);
  }

  /** Our last handshake message is out: the peer may now follow its proof with data at once. */
  allowEarlyData(): void {
    this.hs.allowEarlyData();
  }

  /**
   * Handshake done: frames from now on go to `owner`; bytes already read past the handshake are fed.
   * `maxQueue`: bytes waiting in the pipe past which the subflow is aborted (the peer does not read).
   */
  bind(owner: SubflowOwner, maxPayload: number, maxQueue = Number.MAX_SAFE_INTEGER): void {
    this.owner = owner;
    this.controlHighWater = maxPayload + CONTROL_SLACK;
    this.maxQueue = Math.max(maxQueue, 2 * this.controlHighWater);
    this.state = "up";
    this.pacer = new ReadPacer(new FrameDecoder(owner.frameSink(this), maxPayload), this.pipe, this.failed);
    this.lastReceiveAt = this.now();
    this.rateAt = this.lastReceiveAt;
    for (const c of this.hs.take()) if (this.state === "up") this.feed(c);
  }

  /**
   * Write a DATA frame — whole in `frame`, or its header in `frame` and the payload in `body` (written as
   * a pair where the pipe can: Pipe.writePair) — and return whether more may be written now. `resend`:
   * the frame went out before (trace only).
   */
  sendData(frame: Uint8Array, payloadLength: number, body?: Uint8Array, resend = false): boolean {
    if (this.inflight <= 0) {
      this.progressAt = this.now();
      this.awaitingFirst = true;
    }
    this.dataSent += payloadLength;
    this.inflight += payloadLength;
    this.bytesSent += payloadLength;
    if (this.trace !== null) this.trace(this.name, `${resend ? "resent" : "sent"} ${describeFrame(frame)}`);
    const p = this.pipe;
    const ok = body === undefined ? p.write(frame) : p.writePair ? p.writePair(frame, body) : p.write(joinFrame(frame, body));
    if (!ok) {
      this.writable = false;
      this.checkQueue();
    }
    return ok;
  }

  /** Write a control frame, ignoring backpressure (tiny); a `droppable` one (plain ack, pong) is dropped
   *  above the queue's high-water mark. Returns whether the frame was written. */
  sendControl(frame: Uint8Array, droppable = false): boolean {
    if (this.state !== "up") return false;
    if (!this.writable && droppable && this.pipe.queued > this.controlHighWater) return false;
    if (this.trace !== null) this.trace(this.name, `sent ${describeFrame(frame)}`);
    if (this.pipe.write(frame)) return true;
    this.writable = false;
    this.checkQueue();
    return this.state === "up";
  }

  /** Whether a PONG may go out now: PONG_BURST per PONG_PERIOD_MS at most, none above high water. */
  takePong(): boolean {
    return this.takesControl && this.pongs.take(this.now());
  }

  /** Whether a droppable control frame would be written now (saves encoding one that would be dropped). */
  get takesControl(): boolean {
    return this.writable || this.pipe.queued <= this.controlHighWater;
  }

  /** A peer that stops reading while we owe it more than maxQueue bytes loses this subflow. */
  private checkQueue(): void {
    const q = this.pipe.queued;
    if (q > this.maxQueue) this.abort(new SessionError("EQUEUE", `peer does not read: ${q} bytes queued on the subflow`));
  }

  ping(now: number): void {
    this.lastPingAt = now;
    this.rtt.pings++;
    this.sendControl(encodePing(FrameType.PING, Math.round(now * 1000)));
  }

  pong(token: number, now: number): void {
    this.rtt.sample(now - token / 1000);
  }

  /** The peer's report of DATA bytes it received on this subflow (carried by every ACK sent here). */
  peerReport(received: number): void {
    if (received > this.dataSent) throw new ProtocolError("EACK", `peer reports ${received} bytes received on a subflow that carried ${this.dataSent}`);
    if (received > this.peerReceived) {
      this.peerReceived = received;
      this.progressAt = this.now();
      this.awaitingFirst = false;
      this.doubt = false;
    }
    this.inflight = this.dataSent - this.peerReceived;
  }

  /**
   * Make the pipe hold no memory the sender may reuse (Pipe.detach), before this subflow's frames are
   * sent elsewhere while it lives. False when the pipe cannot, and still holds queued bytes.
   */
  detach(): boolean {
    if (this.pipe.detach) this.pipe.detach();
    else if (this.pipe.queued > 0) return false;
    return true;
  }

  /** Fold acknowledged bytes into the delivery-rate estimate (called by the session's timer). */
  updateRate(now: number): void {
    const dt = now - this.rateAt;
    if (dt < 50) return;
    const r = (this.peerReceived - this.rateMark) / dt;
    this.rate = this.rate === 0 ? r : 0.7 * this.rate + 0.3 * r;
    this.rateMark = this.peerReceived;
    this.rateAt = now;
  }

  /** Graceful: flush and half-close; the pipe reports closed when the peer ends too. */
  close(): void {
    if (this.state === "closed" || this.state === "closing") return;
    this.state = "closing";
    this.pipe.close();
  }

  abort(err: Error): void {
    if (this.state === "closed") return;
    this.pacer?.drop();
    this.error ??= err;
    this.pipe.abort(err);
  }

  // ---- PipeHandler ----
  data(view: Uint8Array): void {
    if (this.state === "handshake") {
      this.heardFrom = true;
      const e = this.hs.push(view);
      if (e) this.abort(e);
      return;
    }
    if (this.state === "closed") return;
    this.feed(view);
  }

  drain(): void {
    this.writable = true;
    if (this.state === "up" && this.owner) this.owner.subflowWritable(this);
  }

  end(): void {
    if (this.state === "handshake") {
      this.hs.end();
      return;
    }
    if (this.pacer?.after(() => this.end())) return; // after the bytes read before it
    // The peer ended its write side: nothing more will arrive. When we are closing as well the pipe
    // reports closed by itself; otherwise the session decides (a finished peer retires its pipes).
    if (this.state === "up") this.owner?.subflowEnded(this);
  }

  /** Whether the peer sent any byte yet (a pipe closed without one is a health check, not an attack). */
  heardFrom = false;

  /** The subflow is being closed on purpose: its end is no failure and needs no re-dial. */
  retired = false;

  closed(err?: Error): void {
    if (this.state === "closed" || this.pacer?.after(() => this.closed(err))) return;
    const wasHandshake = this.state === "handshake";
    this.state = "closed";
    this.error ??= err;
    if (wasHandshake) return this.hs.fail(this.error ?? new HandshakeError("ECLOSED", "connection closed during the handshake"));
    this.owner?.subflowClosed(this, this.error);
  }

  private feed(view: Uint8Array): void {
    this.bytesReceived += view.length;
    this.lastReceiveAt = this.now();
    this.pacer!.push(view);
  }

  /** Bad framing on this pipe closes this subflow; anything else (from the application or the engine) ends the session. */
  private readonly failed = (err: unknown): void => {
    if (err instanceof ProtocolError) this.abort(err);
    else this.owner?.internalError(err instanceof Error ? err : new Error(String(err)));
  };
}
