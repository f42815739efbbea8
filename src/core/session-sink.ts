/**
 * One subflow's decoded frames, applied to its session (one object per subflow, none per frame). A
 * frame breaking a session-level rule (window, FIN, ack beyond data) is a violation: the session ends.
 */
import type { FrameSink } from "./decoder.ts";
import { ProtocolError } from "./errors.ts";
import { encodePing, FrameType } from "./frame.ts";
import type { Receiver } from "./receiver.ts";
import type { Sender } from "./sender.ts";
import type { Subflow } from "./subflow.ts";

/** What a sink needs of its session (Session implements it; no import of session.ts, so no cycle). */
export interface SinkOwner {
  readonly state: string;
  readonly opts: { now(): number };
  readonly rx: Receiver<Subflow>;
  readonly tx: Sender;
  wake(): void;
  ackSoon(): void;
  checkDone(): void;
  violation(err: ProtocolError): void;
  peerAborted(code: number, reason: string): void;
}

export class SubflowSink implements FrameSink {
  constructor(
    private readonly session: SinkOwner,
    private readonly sub: Subflow,
  ) {}

  onData(offset: number, payload: Uint8Array): void {
    const s = this.session;
    if (s.state !== "open") return;
    this.sub.dataReceived += payload.length;
    s.wake();
    try {
      s.rx.onData(this.sub, offset, payload);
    } catch (err) {
      return this.broke(err);
    }
    if (this.sub.dataReceived - this.sub.reported <= ACK_SOON_MAX) s.ackSoon();
  }

  onAck(ack: number, limit: number, flags: number, subflowReceived: number): void {
    const s = this.session;
    if (s.state !== "open") return;
    const doubted = this.sub.doubt;
    try {
      this.sub.peerReport(subflowReceived);
      if (doubted && !this.sub.doubt) s.tx.recall(this.sub); // it delivers again: what it carries stays its own
      s.tx.onAck(ack, limit, flags);
    } catch (err) {
      return this.broke(err);
    }
    s.checkDone();
  }

  onFin(finalOffset: number): void {
    if (this.session.state !== "open") return;
    try {
      this.session.rx.onFin(finalOffset);
    } catch (err) {
      this.broke(err);
    }
  }

  onPing(token: number): void {
    const sub = this.sub;
    if (!sub.takePong()) return;
    sub.sendControl(encodePing(FrameType.PONG, token), true);
  }

  onPong(token: number): void {
    this.sub.pong(token, this.session.opts.now());
  }

  onAbort(code: number, reason: string): void {
    this.session.peerAborted(code, reason);
  }

  private broke(err: unknown): void {
    if (!(err instanceof ProtocolError)) throw err;
    this.session.violation(err);
  }
}

/** Unacknowledged bytes on a subflow up to which an ACK goes out on the next event-loop turn. */
export const ACK_SOON_MAX = 16 * 1024;

/**
 * Little arrived (≤ ACK_SOON_MAX since the last ACK on a subflow): acknowledge on the next event-loop
 * turn, with whatever else arrives in this one (one ACK per subflow that carried data), so a small write
 * is acknowledged within microseconds, not on the tick, and the peer frees its buffer and in-flight quota
 * at once. Bulk data gets one per ackEvery and on the tick (an ACK per turn cost bulk transfers CPU).
 */
export class AckRounds {
  private queued = false;

  constructor(
    private readonly subflows: readonly Subflow[],
    private readonly rx: Receiver<Subflow>,
    private readonly open: () => boolean,
  ) {}

  soon(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(this.round);
  }

  private readonly round = (): void => {
    this.queued = false;
    if (this.open()) this.now();
  };

  /** Every subflow that carried data since its last ACK gets one (keeps the peer's in-flight exact). */
  now(): void {
    for (const s of this.subflows) if (s.state === "up" && s.dataReceived !== s.reported) this.rx.ack(s);
  }
}

/** How long to wait for our FIN's ack before sending it again. */
export function finRetryMs(s: Subflow | undefined): number {
  return s ? s.rtt.timeout(200, 1000) : 1000;
}
