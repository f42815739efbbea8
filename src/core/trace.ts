/**
 * -vv: frame-level lines for the Trace hook (src/contract/trace.ts). Sent frames are described by the
 * subflow that writes them (Subflow checks its hook once per frame); received frames go through a
 * TracedSink, which the session puts in front of a subflow's sink only when tracing is on, so the
 * receive path has no check at all when it is off. Peer text (ABORT reasons) is escaped here.
 */
import { printable } from "../contract/errors.ts";
import type { Trace } from "../contract/trace.ts";
import type { FrameSink } from "./decoder.ts";
import { ACK_FIN, FrameType, HEADER_SIZE, readU32, readU64 } from "./frame.ts";

export type { Trace };

/** One line for a frame we write: its 16-byte header at 0 of `frame` (DATA: the payload may follow elsewhere). */
export function describeFrame(frame: Uint8Array): string {
  const value = readU64(frame, 8);
  switch (frame[0]) {
    case FrameType.DATA:
      return `DATA offset ${value} length ${readU32(frame, 4)}`;
    case FrameType.ACK:
      return ackText(value, readU64(frame, HEADER_SIZE), frame[1]!, readU64(frame, HEADER_SIZE + 8));
    case FrameType.FIN:
      return `FIN at ${value}`;
    case FrameType.PING:
      return `PING ${value}`;
    case FrameType.PONG:
      return `PONG ${value}`;
    case FrameType.ABORT:
      return abortText((frame[2]! << 8) | frame[3]!, new TextDecoder().decode(frame.subarray(HEADER_SIZE)));
    default:
      return `frame type ${frame[0]} length ${readU32(frame, 4)}`;
  }
}

function ackText(ack: number, limit: number, flags: number, received: number): string {
  return `ACK ${ack} window ${limit} received here ${received}${(flags & ACK_FIN) !== 0 ? " +FIN" : ""}`;
}

function abortText(code: number, reason: string): string {
  return `ABORT code ${code}: ${printable(reason)}`;
}

/** What a TracedSink reads of its subflow (structural: no import of subflow.ts, so no cycle). */
interface Traced {
  readonly trace: Trace | null;
  readonly name: string;
  /** In doubt: a line when an ACK takes it out. */
  readonly doubt: boolean;
}

/** `sink` itself when `sub` has no trace hook (the receive path then has no check at all), else a TracedSink. */
export function withTrace(sink: FrameSink, sub: Traced): FrameSink {
  return sub.trace === null ? sink : new TracedSink(sink, sub.trace, sub);
}

/** A subflow's sink with a trace line per received frame (DATA: per fragment, as the decoder hands them). */
class TracedSink implements FrameSink {
  constructor(
    private readonly inner: FrameSink,
    private readonly trace: Trace,
    private readonly sub: Traced,
  ) {}

  private line(text: string): void {
    this.trace(this.sub.name, `got ${text}`);
  }

  onData(offset: number, payload: Uint8Array): void {
    this.line(`DATA offset ${offset} length ${payload.length}`);
    this.inner.onData(offset, payload);
  }

  onAck(ack: number, windowLimit: number, flags: number, subflowReceived: number): void {
    this.line(ackText(ack, windowLimit, flags, subflowReceived));
    const was = this.sub.doubt;
    this.inner.onAck(ack, windowLimit, flags, subflowReceived);
    if (was && !this.sub.doubt) this.trace(this.sub.name, "left doubt: the peer reports progress here again");
  }

  onFin(finalOffset: number): void {
    this.line(`FIN at ${finalOffset}`);
    this.inner.onFin(finalOffset);
  }

  onPing(token: number): void {
    this.line(`PING ${token}`);
    this.inner.onPing(token);
  }

  onPong(token: number): void {
    this.line(`PONG ${token}`);
    this.inner.onPong(token);
  }

  onAbort(code: number, reason: string): void {
    this.line(abortText(code, reason));
    this.inner.onAbort(code, reason);
  }
}
