/**
 * Protocol v1 frames (docs/PROTOCOL.md §3). Every frame is a 16-byte header, then `length` payload bytes:
 *
 *   0  u8   type
 *   1  u8   flags
 *   2  u16  aux      (ABORT: reason code; otherwise 0)
 *   4  u32  length   (payload bytes after the header)
 *   8  u64  value    (DATA: offset of the first payload byte; ACK: cumulative ack; FIN: final offset;
 *                     PING/PONG: opaque token)
 *
 * All integers big-endian. u64 values are carried as JS numbers (exact below 2^53).
 */
export const HEADER_SIZE = 16;

export const FrameType = {
  DATA: 0x01,
  ACK: 0x02,
  FIN: 0x03,
  PING: 0x04,
  PONG: 0x05,
  ABORT: 0x06,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** ACK flags. */
export const ACK_FIN = 0x01;

/**
 * ACK payload: u64 window limit (the peer may send bytes below this offset), then u64 bytes of DATA
 * payload received so far on the subflow the ACK travels on (the sender's per-subflow in-flight count).
 */
export const ACK_PAYLOAD = 16;
export const MAX_ABORT_REASON = 1024;
/** Default and hard ceiling of a DATA payload. */
export const DEFAULT_MAX_PAYLOAD = 1 << 20;
export const MAX_PAYLOAD_LIMIT = 16 << 20;

/** ABORT reason codes (docs/PROTOCOL.md §5). */
export const AbortCode = {
  NORMAL: 0,
  INTERNAL: 1,
  PROTOCOL: 2,
  TIMEOUT: 3,
  INTERRUPTED: 4,
  APPLICATION: 5,
  NO_PATHS: 6,
} as const;

const TWO32 = 0x1_0000_0000;

export function writeU64(buf: Uint8Array, at: number, v: number): void {
  const hi = Math.floor(v / TWO32);
  const lo = v >>> 0;
  buf[at] = hi >>> 24;
  buf[at + 1] = hi >>> 16;
  buf[at + 2] = hi >>> 8;
  buf[at + 3] = hi;
  buf[at + 4] = lo >>> 24;
  buf[at + 5] = lo >>> 16;
  buf[at + 6] = lo >>> 8;
  buf[at + 7] = lo;
}

export function readU32(buf: Uint8Array, at: number): number {
  return ((buf[at]! << 24) | (buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!) >>> 0;
}

export function readU64(buf: Uint8Array, at: number): number {
  return readU32(buf, at) * TWO32 + readU32(buf, at + 4);
}

/** Write a header at `at` of `buf`. */
export function writeHeader(
  buf: Uint8Array,
  at: number,
  type: number,
  flags: number,
  aux: number,
  length: number,
  value: number,
): void {
  buf[at] = type;
  buf[at + 1] = flags;
  buf[at + 2] = aux >>> 8;
  buf[at + 3] = aux;
  buf[at + 4] = length >>> 24;
  buf[at + 5] = length >>> 16;
  buf[at + 6] = length >>> 8;
  buf[at + 7] = length;
  writeU64(buf, at + 8, value);
}

/**
 * A DATA frame around the payload already placed at frame[HEADER_SIZE…]; with `length`, `frame` is the
 * header alone of a payload of that many bytes kept elsewhere (Pipe.writePair).
 */
export function sealData(frame: Uint8Array, offset: number, length = frame.length - HEADER_SIZE): Uint8Array {
  writeHeader(frame, 0, FrameType.DATA, 0, 0, length, offset);
  return frame;
}

/** One buffer holding a DATA header and its payload (for a pipe that cannot write them as a pair). */
export function joinFrame(head: Uint8Array, body: Uint8Array): Uint8Array {
  const f = new Uint8Array(head.length + body.length);
  f.set(head);
  f.set(body, head.length);
  return f;
}

export function encodeData(offset: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(HEADER_SIZE + payload.length);
  f.set(payload, HEADER_SIZE);
  return sealData(f, offset);
}

export function encodeAck(ack: number, windowLimit: number, finAcked: boolean, subflowReceived: number): Uint8Array {
  const f = new Uint8Array(HEADER_SIZE + ACK_PAYLOAD);
  writeHeader(f, 0, FrameType.ACK, finAcked ? ACK_FIN : 0, 0, ACK_PAYLOAD, ack);
  writeU64(f, HEADER_SIZE, windowLimit);
  writeU64(f, HEADER_SIZE + 8, subflowReceived);
  return f;
}

export function encodeFin(finalOffset: number): Uint8Array {
  const f = new Uint8Array(HEADER_SIZE);
  writeHeader(f, 0, FrameType.FIN, 0, 0, 0, finalOffset);
  return f;
}

export function encodePing(type: typeof FrameType.PING | typeof FrameType.PONG, token: number): Uint8Array {
  const f = new Uint8Array(HEADER_SIZE);
  writeHeader(f, 0, type, 0, 0, 0, token);
  return f;
}

export function encodeAbort(code: number, reason: string): Uint8Array {
  // encodeInto writes whole characters only, so a long reason is cut without splitting one.
  const buf = new Uint8Array(MAX_ABORT_REASON);
  const r = buf.subarray(0, new TextEncoder().encodeInto(reason, buf).written);
  const f = new Uint8Array(HEADER_SIZE + r.length);
  writeHeader(f, 0, FrameType.ABORT, 0, code, r.length, 0);
  f.set(r, HEADER_SIZE);
  return f;
}
