/**
 * A bonded session: one reliable, ordered, full-duplex byte stream over any number of subflows.
 * This file is the lifecycle — subflows joining and leaving, the one timer, close and abort — around
 * the send half (sender.ts) and the receive half (receiver.ts). Knows pipes only through Subflow; never
 * sockets, URLs or the CLI.
 */
import type { FrameSink } from "./decoder.ts";
import { PeerAbortError, ProtocolError, SessionError } from "./errors.ts";
import { AbortCode, encodeAbort, encodePing, FrameType } from "./frame.ts";
import { hex } from "./handshake.ts";
import type { SessionOptions } from "./options.ts";
import { Receiver } from "./receiver.ts";
import type { ReorderBuffer } from "./reorder-buffer.ts";
import type { SendBuffer } from "./send-buffer.ts";
import { Sender } from "./sender.ts";
import { PONG_BURST, Subflow, type SubflowOwner } from "./subflow.ts";
import { doubtfulSubflows, failedSubflows } from "./liveness.ts";
import { pickOrder } from "./scheduler.ts";
import { snapshot, type SessionStats } from "./stats.ts";

export interface SessionEvents {
  /** In-order bytes from the peer. Return false to pause delivery until `resume()`. */
  data(view: Uint8Array): boolean;
  /** The peer finished sending (its FIN, after all its data). */
  end(): void;
  /** write()/writeFrame() may be called again after returning false. */
  drain(): void;
  /** The session is over: `err` undefined = both directions closed and acknowledged. */
  closed(err?: Error): void;
  /**
   * A frame given to writeFrame() was acknowledged: nothing refers to its memory any more, the producer
   * may reuse it. Called in the order the frames were written.
   */
  release?(frame: Uint8Array): void;
  subflowUp?(sub: Subflow): void;
  subflowDown?(sub: Subflow, err?: Error): void;
  /** A subflow was put in doubt: `resent` bytes it had in flight went out again on other paths. */
  subflowDoubt?(sub: Subflow, resent: number): void;
}

export type SessionState = "open" | "closing" | "closed";

const TICK_MS = 10;
/** A tick this late means our own event loop was blocked: ACKs may be waiting unread, doubt nobody. */
const LATE_TICK_MS = 50;

export class Session implements SubflowOwner {
  state: SessionState = "open";
  readonly idHex: string;
  readonly subflows: Subflow[] = [];
  readonly rx: Receiver<Subflow>;
  readonly tx: Sender;
  error: Error | undefined;
  readonly startedAt: number;

  private noPathSince: number;
  private lastTickAt: number;
  private order: Subflow[] = [];
  private timer: ReturnType<typeof setInterval> | null;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  /** An ACK round is queued for the next event-loop turn (ackSoon). */
  private ackQueued = false;

  constructor(
    readonly id: Uint8Array,
    /** The session key JOINs must prove (see handshake.ts). */
    readonly key: Uint8Array,
    readonly role: "client" | "server",
    readonly opts: SessionOptions,
    private readonly events: SessionEvents,
  ) {
    this.idHex = hex(id);
    this.startedAt = opts.now();
    this.noPathSince = this.startedAt;
    this.lastTickAt = this.startedAt;
    this.tx = new Sender(opts, {
      open: () => this.state === "open",
      subflows: () => this.subflows,
      order: () => this.order,
      drain: () => events.drain(),
      release: (frame) => events.release?.(frame),
    });
    this.rx = new Receiver<Subflow>(opts.recvWindow, {
      deliver: (v) => events.data(v),
      ended: () => {
        events.end();
        this.checkDone();
      },
      best: () => this.controlPath(),
      all: () => this.subflows,
      received: (s) => (s.reported = s.dataReceived),
      control: (frame, s, droppable) => s.sendControl(frame, droppable),
      now: opts.now,
    }, opts.budget);
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  // ---------------------------------------------------------------- application side

  /** True while the send buffer has room. */
  get writable(): boolean {
    return this.tx.writable;
  }

  /** Queue bytes (copied into frames). Returns false when the caller should wait for `drain`. */
  write(bytes: Uint8Array): boolean {
    return this.tx.write(bytes);
  }

  /**
   * Zero-copy write: `frame` holds HEADER_SIZE free bytes, then the payload. The session owns `frame`
   * until it is acknowledged (then `release(frame)`); it may be sent more than once.
   */
  writeFrame(frame: Uint8Array): boolean {
    return this.tx.writeFrame(frame);
  }

  /** No more data from us: send FIN after everything written. */
  end(): void {
    if (this.state === "open") this.tx.end();
  }

  /** Every unacknowledged byte (stats, tests). */
  get send(): SendBuffer<Subflow> {
    return this.tx.send;
  }

  get reinjectedBytes(): number {
    return this.tx.reinjectedBytes;
  }

  /** Resume delivery paused by `data()` returning false. */
  resume(): void {
    if (this.state === "open") this.rx.resume();
  }

  /** The receive side's reassembly buffer (stats, idle detection). */
  get reorder(): ReorderBuffer {
    return this.rx.reorder;
  }

  /** Local fatal error: tell the peer (ABORT) and drop every subflow. */
  abort(code: number, reason: string, err?: Error): void {
    if (this.state === "closed") return;
    const frame = encodeAbort(code, reason);
    for (const s of this.subflows) s.sendControl(frame);
    // Close (flush) rather than abort the pipes, so the ABORT frame reaches the peer.
    this.finish(err ?? new SessionError("EABORTED", reason), false);
  }

  /** The highest offset the peer has been allowed to send (our advertised window edge). */
  get advertisedLimit(): number {
    return this.rx.advertised;
  }

  /** Bytes queued by us plus bytes received in order: moves whenever data moves (idle detection). */
  get bytesMoved(): number {
    return this.tx.send.nxt + this.rx.reorder.next;
  }

  get sendFinished(): boolean {
    return this.tx.finAcked;
  }
  get receiveFinished(): boolean {
    return this.rx.finDelivered;
  }

  stats(): SessionStats {
    return snapshot(this, this.opts.now());
  }

  // ---------------------------------------------------------------- network side

  /** A subflow whose handshake is complete joins the session. */
  addSubflow(sub: Subflow): void {
    if (this.state !== "open") {
      sub.abort(new SessionError("ECLOSED", "session is closing"));
      return;
    }
    sub.bind(this, this.opts.maxPayload, this.opts.maxQueue);
    if (sub.state !== "up") return; // died while binding (e.g. a protocol error in early bytes)
    this.subflows.push(sub);
    this.order = pickOrder(this.subflows);
    this.noPathSince = 0;
    this.rx.ack(sub); // announces our window: the peer may send beyond INITIAL_WINDOW only after this
    sub.ping(this.opts.now());
    this.events.subflowUp?.(sub);
    this.tx.sendFin();
    this.tx.pump();
  }

  frameSink(sub: Subflow): FrameSink {
    return new SubflowSink(this, sub);
  }

  subflowWritable(_sub: Subflow): void {
    this.tx.pump();
  }

  subflowEnded(sub: Subflow): void {
    if (this.rx.finDelivered && this.tx.finOffset !== null) {
      // The peer has finished its stream and is closing its pipes: our FIN's ack is on its way on a
      // subflow that delivers it before its own end. Close this one quietly.
      sub.retired = true;
      sub.close();
      return;
    }
    sub.abort(new SessionError("EPEEREND", "peer ended the subflow"));
  }

  subflowClosed(sub: Subflow, err?: Error): void {
    const i = this.subflows.indexOf(sub);
    if (i < 0) return;
    this.subflows.splice(i, 1);
    this.order = pickOrder(this.subflows);
    if (sub.retired && this.state === "open") {
      this.tx.reinjectFrom(sub);
      if (this.subflows.length === 0) {
        // Every pipe was ended by a peer that only does so once it is done — that is, once it had our
        // FIN and all our data. If the ACK carrying the FIN flag was lost with a subflow, this is as good.
        if (this.tx.inferFinAcked()) return this.checkDone();
        this.noPathSince = this.opts.now();
      }
      this.tx.pump();
      return;
    }
    if (this.state === "closing") {
      if (this.subflows.length === 0) this.finish();
      return;
    }
    if (this.state !== "open") return;
    this.tx.reinjectFrom(sub);
    sub.inflight = 0;
    if (this.subflows.length === 0) this.noPathSince = this.opts.now();
    this.events.subflowDown?.(sub, err);
    this.tx.sendFin();
    this.tx.pump();
  }

  // ---------------------------------------------------------------- frames from the peer

  onData(sub: Subflow, offset: number, payload: Uint8Array): void {
    if (this.state !== "open") return;
    sub.dataReceived += payload.length;
    try {
      this.rx.onData(sub, offset, payload);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.violation(err);
    }
    this.ackSoon();
  }

  /**
   * Acknowledge on the next event-loop turn what arrived in this one (one ACK per subflow that carried
   * data, however many frames came): a small write is acknowledged within microseconds, not on the tick,
   * and the peer frees its buffer and in-flight quota at once. Bulk data already gets one per ackEvery.
   */
  private ackSoon(): void {
    if (this.ackQueued) return;
    this.ackQueued = true;
    setImmediate(this.ackRound);
  }

  private readonly ackRound = (): void => {
    this.ackQueued = false;
    if (this.state === "open") this.ackSubflows();
  };

  /** Every subflow that carried data since its last ACK gets one (keeps the peer's in-flight exact). */
  private ackSubflows(): void {
    for (const s of this.subflows) if (s.state === "up" && s.dataReceived !== s.reported) this.rx.ack(s);
  }

  onAck(sub: Subflow, ack: number, limit: number, flags: number, subflowReceived: number): void {
    if (this.state !== "open") return;
    const doubted = sub.doubt;
    try {
      sub.peerReport(subflowReceived);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.violation(err);
    }
    if (doubted && !sub.doubt) this.tx.recall(sub);
    try {
      this.tx.onAck(ack, limit, flags);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      return this.violation(err);
    }
    this.checkDone();
  }

  onFin(finalOffset: number): void {
    if (this.state !== "open") return;
    try {
      this.rx.onFin(finalOffset);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.violation(err);
    }
  }

  onAbort(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.finish(new PeerAbortError(code, reason));
  }

  /**
   * The peer broke a session-level rule (window, FIN, ack beyond data): the stream cannot be trusted any
   * more on any subflow, so the whole session ends with ABORT(PROTOCOL).
   */
  private violation(err: ProtocolError): void {
    this.abort(AbortCode.PROTOCOL, err.message, err);
  }

  /** An exception from the application's callbacks or the engine itself: end the session, not a subflow. */
  internalError(err: Error): void {
    this.abort(AbortCode.INTERNAL, `internal error: ${err.message}`, err);
  }

  // ---------------------------------------------------------------- internals

  /**
   * Where ACKs go when no subflow is implied: the fastest of those that heard from the peer within the
   * last heartbeat and a half (a silently dead path stops hearing anything long before it is declared
   * dead), else the one that heard most recently.
   */
  private controlPath(): Subflow | undefined {
    const now = this.opts.now();
    const fresh = 1.5 * this.opts.heartbeatMs;
    let freshest: Subflow | undefined;
    for (const s of this.order) {
      if (s.state !== "up") continue;
      if (now - s.lastReceiveAt <= fresh) return s;
      if (!freshest || s.lastReceiveAt > freshest.lastReceiveAt) freshest = s;
    }
    return freshest;
  }

  private checkDone(): void {
    if (this.state !== "open" || !this.tx.finAcked || !this.rx.finDelivered) return;
    this.state = "closing";
    for (const s of this.subflows) s.close();
    this.lingerTimer = setTimeout(() => this.finish(), this.opts.lingerMs);
    if (this.subflows.length === 0) this.finish();
  }

  private tick(): void {
    const now = this.opts.now();
    if (this.state !== "open") return;
    let resort = false;
    for (const s of this.subflows) {
      if (s.state !== "up") continue;
      s.pongCredit = PONG_BURST;
      s.updateRate(now);
      if (now - s.lastPingAt >= this.opts.heartbeatMs) {
        s.ping(now);
        resort = true;
      }
    }
    const late = now - this.lastTickAt > LATE_TICK_MS;
    this.lastTickAt = now;
    if (!late) {
      const d = doubtfulSubflows(this.subflows, now);
      for (const s of d.probe) s.ping(now);
      for (const s of d.doubt) this.doubt(s, now);
    }
    for (const f of failedSubflows(this.subflows, now, this.opts.deadAfterMs)) f.sub.abort(new SessionError(f.code, f.reason));
    if (resort) this.order = pickOrder(this.subflows);
    this.rx.tick(now, this.opts.heartbeatMs);
    this.ackSubflows();
    this.tx.tick(now, finRetryMs(this.controlPath()));
    // A listener's session that never got a byte from its client waits less: a client that opens and
    // resets (an attacker's loop) must not hold a child process and its fds for the whole grace period.
    const grace = this.role === "server" && this.rx.delivered === 0 ? Math.min(this.opts.graceMs, this.opts.quietGraceMs) : this.opts.graceMs;
    if (this.subflows.length === 0 && this.noPathSince > 0 && now - this.noPathSince > grace) {
      this.finish(new SessionError("ENOPATHS", `no subflow for ${Math.round(grace / 1000)} s`));
    }
  }

  /** Resend what `s` has in flight on the other paths and probe it; it stays up (liveness.ts). */
  private doubt(s: Subflow, now: number): void {
    s.doubt = true;
    const resent = this.tx.penalize(s);
    if (resent < 0) {
      s.doubt = false;
      return;
    }
    s.ping(now);
    this.events.subflowDoubt?.(s, resent);
  }

  private finish(err?: Error, hard = true): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.error = err;
    if (this.timer) clearInterval(this.timer);
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.timer = null;
    const subs = [...this.subflows];
    for (const s of subs) {
      if (err && hard) s.abort(err);
      else s.close();
    }
    // After an ABORT the peer has lingerMs to close its pipes; one that keeps them open (and keeps
    // sending) loses them then.
    if (err && !hard && subs.length > 0) {
      const t = setTimeout(() => {
        for (const s of subs) s.abort(err);
      }, this.opts.lingerMs);
      (t as { unref?: () => void }).unref?.();
    }
    this.subflows.length = 0;
    this.order = [];
    this.rx.dispose();
    this.tx.dispose();
    this.events.closed(err);
  }
}


function finRetryMs(s: Subflow | undefined): number {
  return s ? s.rtt.timeout(200, 1000) : 1000;
}

/** Routes one subflow's decoded frames to the session (one object per subflow, none per frame). */
class SubflowSink implements FrameSink {
  constructor(
    private readonly session: Session,
    private readonly sub: Subflow,
  ) {}
  onData(offset: number, payload: Uint8Array): void {
    this.session.onData(this.sub, offset, payload);
  }
  onAck(ack: number, limit: number, flags: number, subflowReceived: number): void {
    this.session.onAck(this.sub, ack, limit, flags, subflowReceived);
  }
  onFin(finalOffset: number): void {
    this.session.onFin(finalOffset);
  }
  onPing(token: number): void {
    const sub = this.sub;
    if (sub.pongCredit <= 0 || !sub.takesControl) return;
    sub.pongCredit--;
    sub.sendControl(encodePing(FrameType.PONG, token), true);
  }
  onPong(token: number): void {
    this.sub.pong(token, this.session.opts.now());
  }
  onAbort(code: number, reason: string): void {
    this.session.onAbort(code, reason);
  }
}

export { AbortCode };
