/**
 * A bonded session: one reliable, ordered, full-duplex byte stream over any number of subflows.
 * This file is the lifecycle — subflows joining and leaving, the one timer, close and abort — around
 * the send half (sender.ts) and the receive half (receiver.ts). Knows pipes only through Subflow; never
 * sockets, URLs or the CLI.
 */
import type { FrameSink } from "./decoder.ts";
import { PeerAbortError, ProtocolError, SessionError } from "./errors.ts";
import { AbortCode, encodeAbort } from "./frame.ts";
import { hex } from "./handshake.ts";
import type { SessionOptions } from "./options.ts";
import type { Receiver } from "./receiver.ts";
import type { ReorderBuffer } from "./reorder-buffer.ts";
import type { SendBuffer } from "./send-buffer.ts";
import type { Sender } from "./sender.ts";
import { Subflow, type SubflowOwner } from "./subflow.ts";
import { pickOrder } from "./scheduler.ts";
import { snapshot, type SessionStats } from "./stats.ts";
import type { SessionEvents, SessionState } from "./session-events.ts";
import { abortLater, checkPaths, controlPath, doubtPath, graceMs, pathsBusy, receiveHalf, sendHalf } from "./session-health.ts";
import { AckRounds, finRetryMs, SubflowSink } from "./session-sink.ts";
import { SessionTimer } from "./session-timer.ts";
import { withTrace } from "./trace.ts";

export type { SessionEvents, SessionState } from "./session-events.ts";

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
  private readonly timer: SessionTimer;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly acks: AckRounds;

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
    const halves = { open: () => this.state === "open", subflows: this.subflows, order: () => this.order, done: () => this.checkDone(), best: () => this.controlPath() };
    this.tx = sendHalf(opts, halves, events);
    this.rx = receiveHalf(opts, halves, events);
    this.acks = new AckRounds(this.subflows, this.rx, () => this.state === "open");
    const timed = { busy: () => this.busy(), tick: (now: number, hb: number, dead: number) => this.tick(now, hb, dead) };
    this.timer = new SessionTimer(timed, opts.heartbeatMs, opts.deadAfterMs, opts.now);
  }

  // ---------------------------------------------------------------- application side

  /** Queue bytes; false: wait for `drain`. Not copied (from 16 KiB): do not modify `bytes` afterwards (Sender.write). */
  write(bytes: Uint8Array): boolean {
    this.timer.wake();
    return this.tx.write(bytes);
  }

  /** Zero-copy write of HEADER_SIZE free bytes + payload: the session owns (may resend) `frame` until acked, then release(frame). */
  writeFrame(frame: Uint8Array): boolean {
    this.timer.wake();
    return this.tx.writeFrame(frame);
  }

  /** Bytes the paths take within a few milliseconds: what input is worth reading ahead (stdin ring). */
  get drainSoon(): number {
    return this.tx.drainSoon;
  }

  /** No more data from us: send FIN after everything written. */
  end(): void {
    if (this.state !== "open") return;
    this.timer.wake();
    this.tx.end();
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

  /** Nothing pending: the timer runs at the slow, idle cadence (session-timer.ts). */
  get idle(): boolean {
    return this.timer.idle;
  }

  /** Bytes queued by us plus bytes received in order: moves whenever data moves (idle detection). */
  get bytesMoved(): number {
    return this.tx.send.nxt + this.rx.reorder.next;
  }

  get sendFinished(): boolean {
    return this.tx.finAcked;
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
    return withTrace(new SubflowSink(this, sub), sub);
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
    sub.note(`down: its ${sub.inflight} bytes in flight go out again on the others`);
    this.tx.reinjectFrom(sub);
    sub.inflight = 0;
    if (this.subflows.length === 0) this.noPathSince = this.opts.now();
    this.events.subflowDown?.(sub, err);
    this.tx.sendFin();
    this.tx.pump();
  }

  /** ACKs on the next event-loop turn for what arrived in this one (session-sink.ts AckRounds). */
  ackSoon(): void {
    this.acks.soon();
  }

  /** Something became pending (received data): the timer goes back to the fast cadence. */
  wake(): void {
    this.timer.wake();
  }

  /**
   * The peer broke a session-level rule (window, FIN, ack beyond data): the stream cannot be trusted any
   * more on any subflow, so the whole session ends with ABORT(PROTOCOL).
   */
  violation(err: ProtocolError): void {
    this.abort(AbortCode.PROTOCOL, err.message, err);
  }

  /** The peer sent ABORT. */
  peerAborted(code: number, reason: string): void {
    if (this.state === "closed") return;
    this.finish(new PeerAbortError(code, reason));
  }

  /** An exception from the application's callbacks or the engine itself: end the session, not a subflow. */
  internalError(err: Error): void {
    this.abort(AbortCode.INTERNAL, `internal error: ${err.message}`, err);
  }

  // ---------------------------------------------------------------- internals

  private controlPath(): Subflow | undefined {
    return controlPath(this.order, this.opts.now(), this.opts.heartbeatMs);
  }

  /** Both directions finished and acknowledged: close the pipes, linger, finish. */
  checkDone(): void {
    if (this.state !== "open" || !this.tx.finAcked || !this.rx.finDelivered) return;
    this.state = "closing";
    for (const s of this.subflows) s.close();
    this.lingerTimer = setTimeout(() => this.finish(), this.opts.lingerMs);
    if (this.subflows.length === 0) this.finish();
  }

  /** Work the fast tick is for: data in flight on any path (liveness), an ack owed, a FIN or a drain pending. */
  private busy(): boolean {
    if (this.state !== "open") return false;
    return this.tx.pending || this.rx.ackDue || pathsBusy(this.subflows);
  }

  private tick(now: number, heartbeatMs: number, deadAfterMs: number): void {
    if (this.state !== "open") return;
    const late = now - this.lastTickAt > LATE_TICK_MS;
    this.lastTickAt = now;
    if (checkPaths(this.subflows, now, heartbeatMs, deadAfterMs, late, this.doubt)) this.order = pickOrder(this.subflows);
    this.rx.tick(now, heartbeatMs);
    this.acks.now();
    this.tx.tick(now, finRetryMs(this.controlPath()));
    const grace = graceMs(this.role, this.rx.reorder.next, this.opts);
    if (this.subflows.length === 0 && this.noPathSince > 0 && now - this.noPathSince > grace) {
      this.finish(new SessionError("ENOPATHS", `no subflow for ${Math.round(grace / 1000)} s`));
    }
  }

  private readonly doubt = (s: Subflow, now: number): void => doubtPath(s, now, this.tx, this.events);

  private finish(err?: Error, hard = true): void {
    if (this.state === "closed") return;
    this.state = "closed";
    this.error = err;
    this.timer.stop();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const subs = [...this.subflows];
    for (const s of subs) {
      if (err && hard) s.abort(err);
      else s.close();
    }
    if (err && !hard) abortLater(subs, err, this.opts.lingerMs);
    this.subflows.length = 0;
    this.order = [];
    this.rx.dispose();
    this.tx.dispose();
    this.events.closed(err);
  }
}

export { AbortCode };
