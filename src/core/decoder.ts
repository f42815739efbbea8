/**
 * Streaming frame decoder: feed it whatever the pipe delivers, it calls the sink once per frame.
 * DATA payloads are never copied: a payload that spans chunks is handed over in fragments, each a
 * view with its own connection-level offset (the receiver reassembles by offset anyway). The small
 * payloads of control frames are copied when they span chunks.
 * Malformed input throws ProtocolError (the caller closes that subflow); the decoder is then unusable.
 */
import { ProtocolError } from "./errors.ts";
import {
  ACK_PAYLOAD,
  DEFAULT_MAX_PAYLOAD,
  FrameType,
  HEADER_SIZE,
  MAX_ABORT_REASON,
  readU32,
  readU64,
} from "./frame.ts";

export interface FrameSink {
  /** A DATA payload, or a fragment of one (consecutive fragments have consecutive offsets). */
  onData(offset: number, payload: Uint8Array): void;
  /** `subflowReceived`: DATA payload bytes the peer received on this subflow so far. */
  onAck(ack: number, windowLimit: number, flags: number, subflowReceived: number): void;
  onFin(finalOffset: number): void;
  onPing(token: number): void;
  onPong(token: number): void;
  onAbort(code: number, reason: string): void;
}

export class FrameDecoder {
  /** Header bytes collected across chunk boundaries. */
  private readonly head = new Uint8Array(HEADER_SIZE);
  private headFill = 0;
  /** Payload being collected across chunk boundaries (only when it spans chunks). */
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  /** DATA payload bytes still to come, and the offset of the next one. */
  private dataLeft = 0;
  private dataOffset = 0;
  private failed = false;
  /**
   * Frames (or DATA fragments) `push` may still hand over before it stops and returns how far it got
   * (read-pacer.ts sets it per event-loop turn; unlimited by default).
   */
  budget = Number.POSITIVE_INFINITY;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxPayload = DEFAULT_MAX_PAYLOAD,
  ) {}

  /** Decode `chunk`; returns the bytes consumed: all of it, unless `budget` ran out first. */
  push(chunk: Uint8Array): number {
    if (this.failed) throw new ProtocolError("EDECODER", "decoder used after a protocol error");
    try {
      return this.consume(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  /** True when no partial frame is pending (a clean place for the stream to end). */
  get idle(): boolean {
    return this.headFill === 0 && this.body === null && this.dataLeft === 0;
  }

  private consume(chunk: Uint8Array): number {
    let pos = 0;
    const n = chunk.length;
    // Any step boundary is a clean place to stop: partial headers and bodies stay in the decoder.
    while (pos < n && this.budget > 0) {
      if (this.dataLeft > 0) {
        const take = Math.min(this.dataLeft, n - pos);
        const off = this.dataOffset;
        this.dataLeft -= take;
        this.dataOffset += take;
        pos += take;
        this.budget--;
        this.sink.onData(off, chunk.subarray(pos - take, pos));
        continue;
      }
      if (this.body !== null) {
        const take = Math.min(this.body.length - this.bodyFill, n - pos);
        this.body.set(chunk.subarray(pos, pos + take), this.bodyFill);
        this.bodyFill += take;
        pos += take;
        if (this.bodyFill === this.body.length) {
          const body = this.body;
          this.body = null;
          this.emit(this.head, 0, body);
          this.headFill = 0;
        }
        continue;
      }
      if (this.headFill === 0 && n - pos >= HEADER_SIZE) {
        // Fast path: the whole header is in this chunk.
        const len = this.check(chunk, pos);
        const start = pos + HEADER_SIZE;
        if (n - start >= len) {
          this.emit(chunk, pos, chunk.subarray(start, start + len));
          pos = start + len;
        } else if (chunk[pos] === FrameType.DATA) {
          this.startData(chunk, pos, len, chunk.subarray(start));
          pos = n;
        } else {
          this.head.set(chunk.subarray(pos, start));
          this.headFill = HEADER_SIZE;
          this.startBody(len, chunk.subarray(start));
          pos = n;
        }
        continue;
      }
      const take = Math.min(HEADER_SIZE - this.headFill, n - pos);
      this.head.set(chunk.subarray(pos, pos + take), this.headFill);
      this.headFill += take;
      pos += take;
      if (this.headFill === HEADER_SIZE) {
        const len = this.check(this.head, 0);
        if (len === 0) {
          this.emit(this.head, 0, EMPTY);
          this.headFill = 0;
        } else {
          const avail = Math.min(len, n - pos);
          if (avail === len) {
            this.emit(this.head, 0, chunk.subarray(pos, pos + len));
            this.headFill = 0;
            pos += len;
          } else if (this.head[0] === FrameType.DATA) {
            this.headFill = 0;
            this.startData(this.head, 0, len, chunk.subarray(pos));
            pos = n;
          } else {
            this.startBody(len, chunk.subarray(pos));
            pos = n;
          }
        }
      }
    }
    return pos;
  }

  /** A DATA frame whose payload continues in later chunks: hand over what is here, expect the rest. */
  private startData(h: Uint8Array, at: number, len: number, first: Uint8Array): void {
    const offset = readU64(h, at + 8);
    if (offset + len > Number.MAX_SAFE_INTEGER) throw new ProtocolError("EFRAME", "offset overflow");
    this.dataLeft = len - first.length;
    this.dataOffset = offset + first.length;
    this.budget--;
    if (first.length > 0) this.sink.onData(offset, first);
  }

  private startBody(len: number, first: Uint8Array): void {
    this.body = new Uint8Array(len);
    this.body.set(first);
    this.bodyFill = first.length;
  }

  /** Validate a header; returns its payload length. */
  private check(h: Uint8Array, at: number): number {
    const type = h[at]!;
    const len = readU32(h, at + 4);
    switch (type) {
      case FrameType.DATA:
        if (len === 0) throw new ProtocolError("EFRAME", "DATA frame with empty payload");
        if (len > this.maxPayload) {
          throw new ProtocolError("EFRAMESIZE", `DATA payload ${len} exceeds limit ${this.maxPayload}`);
        }
        return len;
      case FrameType.ACK:
        if (len !== ACK_PAYLOAD) throw new ProtocolError("EFRAME", `ACK payload must be ${ACK_PAYLOAD} bytes, got ${len}`);
        return len;
      case FrameType.FIN:
      case FrameType.PING:
      case FrameType.PONG:
        if (len !== 0) throw new ProtocolError("EFRAME", `frame type ${type} must have no payload, got ${len}`);
        return 0;
      case FrameType.ABORT:
        if (len > MAX_ABORT_REASON) throw new ProtocolError("EFRAMESIZE", `ABORT reason of ${len} bytes`);
        return len;
      default:
        throw new ProtocolError("EFRAMETYPE", `unknown frame type 0x${type.toString(16).padStart(2, "0")}`);
    }
  }

  private emit(h: Uint8Array, at: number, payload: Uint8Array): void {
    this.budget--;
    const value = readU64(h, at + 8);
    if (value > Number.MAX_SAFE_INTEGER) throw new ProtocolError("EFRAME", "64-bit value beyond 2^53");
    const type = h[at]!;
    const s = this.sink;
    switch (type) {
      case FrameType.DATA:
        if (value + payload.length > Number.MAX_SAFE_INTEGER) throw new ProtocolError("EFRAME", "offset overflow");
        s.onData(value, payload);
        return;
      case FrameType.ACK: {
        const limit = readU64(payload, 0);
        const received = readU64(payload, 8);
        if (limit > Number.MAX_SAFE_INTEGER || received > Number.MAX_SAFE_INTEGER) {
          throw new ProtocolError("EFRAME", "ACK value beyond 2^53");
        }
        s.onAck(value, limit, h[at + 1]!, received);
        return;
      }
      case FrameType.FIN:
        s.onFin(value);
        return;
      case FrameType.PING:
        s.onPing(value);
        return;
      case FrameType.PONG:
        s.onPong(value);
        return;
      case FrameType.ABORT:
        s.onAbort((h[at + 2]! << 8) | h[at + 3]!, new TextDecoder("utf-8", { fatal: false }).decode(payload));
        return;
    }
  }
}

const EMPTY = new Uint8Array(0);
