/** Routes one subflow's decoded frames to its session (one object per subflow, none per frame). */
import type { FrameSink } from "./decoder.ts";
import { encodePing, FrameType } from "./frame.ts";
import type { Subflow } from "./subflow.ts";

/** What a sink calls on its session (Session implements it; no import of session.ts, so no cycle). */
export interface SinkOwner {
  readonly opts: { now(): number };
  onData(sub: Subflow, offset: number, payload: Uint8Array): void;
  onAck(sub: Subflow, ack: number, limit: number, flags: number, subflowReceived: number): void;
  onFin(finalOffset: number): void;
  onAbort(code: number, reason: string): void;
}

export class SubflowSink implements FrameSink {
  constructor(
    private readonly session: SinkOwner,
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

/** How long to wait for our FIN's ack before sending it again. */
export function finRetryMs(s: Subflow | undefined): number {
  return s ? s.rtt.timeout(200, 1000) : 1000;
}
