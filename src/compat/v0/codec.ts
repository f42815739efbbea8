/**
 * The original bondcat's wire format ("v0", docs/PROTOCOL.md appendix A): QUIC variable-length
 * integers (RFC 9000 §16) and the two frame kinds that follow the lead bytes on every subflow.
 *
 *   data frame     varint(payload length > 0) · varint(frame number ≥ 10) · payload
 *   control frame  varint(0) · varint(n)      n = 0 ping, 1 pong, ≥ 10 ack of data frame n
 *
 * The decoder is streaming (any split of the input), hands payloads as views (a payload spanning
 * chunks as several fragments, never copied) and throws ProtocolError on bad input.
 */
import { ProtocolError } from "../../core/errors.ts";

export const V0_PING = 0;
export const V0_PONG = 1;
/** The first data frame number of each direction. */
export const V0_FIRST_SEQ = 10;
/** A payload longer than this is corruption (the Go receiver drops the subflow too). */
export const V0_MAX_PAYLOAD = 1 << 20;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Bytes a varint of `v` takes. */
export function varintSize(v: number): number {
  if (v < 0x40) return 1;
  if (v < 0x4000) return 2;
  if (v < 0x4000_0000) return 4;
  return 8;
}

/** Write `v` at `at`; returns the position after it. */
export function writeVarint(buf: Uint8Array, at: number, v: number): number {
  const n = varintSize(v);
  let x = v;
  for (let i = n - 1; i > 0; i--) {
    buf[at + i] = x % 256;
    x = Math.floor(x / 256);
  }
  buf[at] = x | ([0, 0x40, 0, 0x80, 0, 0, 0, 0xc0][n - 1] ?? 0);
  return at + n;
}

/** The two varints in front of a data frame's payload (or a whole control frame when `len` is 0). */
export function encodeFrameHead(len: number, n: number): Uint8Array {
  const b = new Uint8Array(varintSize(len) + varintSize(n));
  writeVarint(b, writeVarint(b, 0, len), n);
  return b;
}

export interface V0Sink {
  /** A data frame's payload, or a fragment of one; `last` marks its final fragment. */
  onData(seq: number, fragment: Uint8Array, first: boolean, last: boolean): void;
  /** A control frame: ping, pong or ack (n ≥ 10). */
  onControl(n: number): void;
}

export class V0Decoder {
  /** Varint being read: its bytes so far, the size its first byte announced, its value. */
  private vFill = 0;
  private vSize = 0;
  private vValue = 0;
  /** Which varint of the head: 0 = length, 1 = frame number. */
  private field = 0;
  private len = 0;
  private seq = 0;
  private left = 0;
  private failed = false;

  constructor(private readonly sink: V0Sink) {}

  push(chunk: Uint8Array): void {
    if (this.failed) throw new ProtocolError("EDECODER", "v0 decoder used after a protocol error");
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = true;
      throw err;
    }
  }

  private consume(chunk: Uint8Array): void {
    let i = 0;
    const end = chunk.length;
    while (i < end) {
      if (this.left > 0) {
        const take = Math.min(this.left, end - i);
        const first = this.left === this.len;
        this.left -= take;
        this.sink.onData(this.seq, chunk.subarray(i, i + take), first, this.left === 0);
        i += take;
        continue;
      }
      const b = chunk[i++]!;
      if (this.vFill === 0) {
        this.vSize = 1 << (b >> 6);
        this.vValue = b & 0x3f;
      } else this.vValue = this.vValue * 256 + b;
      if (++this.vFill < this.vSize) continue;
      this.vFill = 0;
      if (this.vValue > MAX_SAFE) throw new ProtocolError("EFRAME", "v0 varint beyond 2^53");
      if (this.field === 0) {
        this.len = this.vValue;
        if (this.len > V0_MAX_PAYLOAD) throw new ProtocolError("EFRAMESIZE", `v0 frame of ${this.len} bytes (limit ${V0_MAX_PAYLOAD})`);
        this.field = 1;
        continue;
      }
      this.field = 0;
      if (this.len === 0) {
        this.sink.onControl(this.vValue); // 2…9 mean nothing in v0: the sink ignores them
        continue;
      }
      if (this.vValue < V0_FIRST_SEQ) throw new ProtocolError("EFRAME", `v0 data frame number ${this.vValue} (below ${V0_FIRST_SEQ})`);
      this.seq = this.vValue;
      this.left = this.len;
    }
  }
}
