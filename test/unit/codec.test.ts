/**
 * Frame codec (src/core/frame.ts + decoder.ts): hand-written byte vectors, every split offset,
 * views vs copies, typed errors, seeded garbage. Pure: no network, no timers.
 */
import { describe, expect, test } from "bun:test";
import { FrameDecoder, type FrameSink } from "../../src/core/decoder.ts";
import { BondError } from "../../src/contract/errors.ts";
import { ProtocolError, type ProtocolErrorCode } from "../../src/core/errors.ts";
import {
  ACK_FIN,
  AbortCode,
  DEFAULT_MAX_PAYLOAD,
  encodeAbort,
  encodeAck,
  encodeData,
  encodeFin,
  encodePing,
  FrameType,
  HEADER_SIZE,
  MAX_ABORT_REASON,
  readU64,
  sealData,
  writeU64,
} from "../../src/core/frame.ts";
import { seededRandom } from "../helpers/memory-pipe.ts";
import { concat } from "../helpers/pipe-recorder.ts";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const cat = (...parts: Uint8Array[]): Uint8Array => concat(parts);

const rng = seededRandom;

type Event = [kind: string, ...values: (number | string)[]];

/** Records every callback; DATA payloads are kept (as views) and also recorded as hex. */
class Recorder implements FrameSink {
  events: Event[] = [];
  views: Uint8Array[] = [];
  onData(offset: number, payload: Uint8Array): void {
    this.views.push(payload);
    this.events.push(["data", offset, hex(payload)]);
  }
  onAck(ack: number, windowLimit: number, flags: number, subflowReceived: number): void {
    this.events.push(["ack", ack, windowLimit, flags, subflowReceived]);
  }
  onFin(finalOffset: number): void {
    this.events.push(["fin", finalOffset]);
  }
  onPing(token: number): void {
    this.events.push(["ping", token]);
  }
  onPong(token: number): void {
    this.events.push(["pong", token]);
  }
  onAbort(code: number, reason: string): void {
    this.events.push(["abort", code, reason]);
  }
}

/**
 * Decode `chunks` (each copied into its own buffer first) and return the events with DATA fragments
 * merged back into frames. Checks on the way: fragments are non-empty views into the chunk they came
 * from (never copies), and consecutive fragments have consecutive offsets.
 */
function decodeChunks(chunks: Uint8Array[], maxPayload?: number): Event[] {
  const r = new Recorder();
  const d = new FrameDecoder(r, maxPayload);
  const owned = chunks.map((c) => c.slice());
  for (const c of owned) d.push(c);
  expect(d.idle).toBe(true);
  const buffers = new Set(owned.map((c) => c.buffer));
  for (const v of r.views) {
    if (v.length === 0) throw new Error("empty DATA fragment");
    if (!buffers.has(v.buffer as ArrayBuffer)) throw new Error("DATA payload is a copy, not a view of a chunk");
  }
  return mergeFragments(r.events);
}

/** Merge adjacent DATA events whose offsets continue each other (fragments of one frame). */
function mergeFragments(events: Event[]): Event[] {
  const out: Event[] = [];
  for (const e of events) {
    const prev = out[out.length - 1];
    if (e[0] === "data" && prev?.[0] === "data") {
      const [, off, hx] = prev as [string, number, string];
      if (off + hx.length / 2 === e[1]) {
        out[out.length - 1] = ["data", off, hx + (e[2] as string)];
        continue;
      }
    }
    out.push(e);
  }
  return out;
}

function protocolErrorOf(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e).toBeInstanceOf(BondError);
    return e as ProtocolError;
  }
  throw new Error("expected a ProtocolError");
}

/** Build a raw 16-byte header (for frames the encoders refuse to make). */
function header(type: number, flags: number, aux: number, length: number, valueHex: string): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  h[0] = type;
  h[1] = flags;
  h[2] = aux >>> 8;
  h[3] = aux & 0xff;
  new DataView(h.buffer).setUint32(4, length);
  h.set(unhex(valueHex.padStart(16, "0")), 8);
  return h;
}

describe("encoders: exact bytes", () => {
  test("constants", () => {
    expect(HEADER_SIZE).toBe(16);
    expect(FrameType).toEqual({ DATA: 1, ACK: 2, FIN: 3, PING: 4, PONG: 5, ABORT: 6 });
    expect(ACK_FIN).toBe(1);
    expect(MAX_ABORT_REASON).toBe(1024);
    expect(DEFAULT_MAX_PAYLOAD).toBe(1 << 20);
    expect(AbortCode).toEqual({ NORMAL: 0, INTERNAL: 1, PROTOCOL: 2, TIMEOUT: 3, INTERRUPTED: 4, APPLICATION: 5, NO_PATHS: 6 });
  });

  test("encodeData", () => {
    const f = encodeData(0x0102030405, unhex("deadbeef"));
    expect(hex(f)).toBe("01" + "00" + "0000" + "00000004" + "0000000102030405" + "deadbeef");
  });

  test("encodeData at offset 2^53-1 - 1", () => {
    expect(hex(encodeData(2 ** 53 - 2, unhex("aa")))).toBe("01000000" + "00000001" + "001ffffffffffffe" + "aa");
  });

  test("sealData writes the header in place and returns the same buffer", () => {
    const f = new Uint8Array(HEADER_SIZE + 3).fill(0xee);
    f.set([7, 8, 9], HEADER_SIZE);
    const out = sealData(f, 0x100000000);
    expect(out).toBe(f);
    expect(hex(f)).toBe("01000000" + "00000003" + "0000000100000000" + "070809");
  });

  test("encodeAck with and without FIN flag", () => {
    expect(hex(encodeAck(0x10, 0x100010, true, 0x2a))).toBe(
      "02010000" + "00000010" + "0000000000000010" + "0000000000100010" + "000000000000002a",
    );
    expect(hex(encodeAck(0, 1 << 20, false, 0))).toBe(
      "02000000" + "00000010" + "0000000000000000" + "0000000000100000" + "0000000000000000",
    );
  });

  test("encodeFin", () => {
    expect(hex(encodeFin(2 ** 40 + 3))).toBe("03000000" + "00000000" + "0000010000000003");
    expect(hex(encodeFin(0))).toBe("03000000" + "00000000" + "0000000000000000");
  });

  test("encodePing / PONG", () => {
    expect(hex(encodePing(FrameType.PING, 2 ** 53 - 1))).toBe("04000000" + "00000000" + "001fffffffffffff");
    expect(hex(encodePing(FrameType.PONG, 0x1234))).toBe("05000000" + "00000000" + "0000000000001234");
  });

  test("encodeAbort: code in aux, UTF-8 reason as payload, value 0", () => {
    expect(hex(encodeAbort(AbortCode.APPLICATION, "bye"))).toBe("06000005" + "00000003" + "0000000000000000" + "627965");
    expect(hex(encodeAbort(0x1234, ""))).toBe("06001234" + "00000000" + "0000000000000000");
    expect(hex(encodeAbort(2, "é"))).toBe("06000002" + "00000002" + "0000000000000000" + "c3a9");
  });

  test("encodeAbort truncates the reason to MAX_ABORT_REASON bytes", () => {
    const f = encodeAbort(1, "x".repeat(5000));
    expect(f.length).toBe(HEADER_SIZE + MAX_ABORT_REASON);
    expect(hex(f.subarray(0, 8))).toBe("06000001" + "00000400");
  });

  test("writeU64/readU64 round-trip up to 2^53-1", () => {
    const b = new Uint8Array(8);
    for (const v of [0, 1, 0xffffffff, 0x100000000, 2 ** 52 + 12345, 2 ** 53 - 1]) {
      writeU64(b, 0, v);
      expect(readU64(b, 0)).toBe(v);
    }
    writeU64(b, 0, 2 ** 53 - 1);
    expect(hex(b)).toBe("001fffffffffffff");
  });
});

describe("decoder: one frame of each type", () => {
  test.each([
    ["DATA", encodeData(0x0102030405, unhex("deadbeef")), ["data", 0x0102030405, "deadbeef"]],
    ["ACK+FIN", encodeAck(0x10, 0x100010, true, 5), ["ack", 0x10, 0x100010, 1, 5]],
    ["ACK", encodeAck(7, 9, false, 0), ["ack", 7, 9, 0, 0]],
    ["FIN", encodeFin(2 ** 40 + 3), ["fin", 2 ** 40 + 3]],
    ["PING", encodePing(FrameType.PING, 2 ** 53 - 1), ["ping", 2 ** 53 - 1]],
    ["PONG", encodePing(FrameType.PONG, 0x1234), ["pong", 0x1234]],
    ["ABORT", encodeAbort(5, "bye"), ["abort", 5, "bye"]],
    ["ABORT empty", encodeAbort(0, ""), ["abort", 0, ""]],
  ] as [string, Uint8Array, Event][])("%s", (...args: [string, Uint8Array, Event]) => {
    expect(decodeChunks([args[1]])).toEqual([args[2]]);
  });

  test("hand-written bytes decode (independent of the encoders)", () => {
    const bytes = unhex(`
      01 00 0000 00000002 0000000000000000 6869
      02 01 0000 00000010 0000000000000002 0000000000100002 0000000000000002
      03 00 0000 00000000 0000000000000002
      04 00 0000 00000000 0000000000000abc
      05 00 0000 00000000 0000000000000def
      06 00 0004 00000002 0000000000000000 6f6b`);
    expect(decodeChunks([bytes])).toEqual([
      ["data", 0, "6869"],
      ["ack", 2, 0x100002, 1, 2],
      ["fin", 2],
      ["ping", 0xabc],
      ["pong", 0xdef],
      ["abort", 4, "ok"],
    ]);
  });

  test("flags of non-ACK frames and aux of non-ABORT frames are ignored", () => {
    const f = encodeData(3, unhex("01"));
    f[1] = 0xff;
    f[2] = 0x12;
    f[3] = 0x34;
    expect(decodeChunks([f])).toEqual([["data", 3, "01"]]);
    const a = encodeAck(1, 2, false, 3);
    a[1] = 0xfe; // unknown ACK flag bits are passed through, FIN bit clear
    expect(decodeChunks([a])).toEqual([["ack", 1, 2, 0xfe, 3]]);
  });

  test("ABORT with invalid UTF-8 decodes with replacement characters, no error", () => {
    const f = cat(header(FrameType.ABORT, 0, 2, 2, "0"), unhex("ff41"));
    expect(decodeChunks([f])).toEqual([["abort", 2, "\ufffdA"]]);
  });

  test("u64 value exactly 2^53-1 is accepted", () => {
    expect(decodeChunks([header(FrameType.FIN, 0, 0, 0, "001fffffffffffff")])).toEqual([["fin", 2 ** 53 - 1]]);
  });

  test("DATA of exactly maxPayload is accepted", () => {
    const f = encodeData(0, new Uint8Array(100).fill(1));
    expect(decodeChunks([f], 100)).toHaveLength(1);
  });
});

/** A stream with every frame type, a large payload and small ones. */
function sampleStream(): Uint8Array {
  const big = new Uint8Array(300);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
  return cat(
    encodeData(0, unhex("0102030405")),
    encodeAck(0, 1 << 20, false, 0),
    encodeFin(305),
    encodePing(FrameType.PING, 123456789),
    encodePing(FrameType.PONG, 987654321),
    encodeData(5, big),
    encodeAbort(AbortCode.PROTOCOL, "no"),
    encodeData(2 ** 40, unhex("ff")),
    encodeAck(305, 2 ** 40, true, 2 ** 33),
    encodeAbort(AbortCode.NORMAL, ""),
  );
}

describe("decoder: chunking never changes the result", () => {
  const stream = sampleStream();
  const whole = decodeChunks([stream]);

  test("whole stream decodes to 10 frames", () => {
    expect(whole).toHaveLength(10);
    expect(whole[5]![0]).toBe("data");
    expect(whole[5]![1]).toBe(5);
  });

  test("every split offset into 2 pieces", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const got = decodeChunks([stream.subarray(0, cut), stream.subarray(cut)]);
      if (JSON.stringify(got) !== JSON.stringify(whole)) throw new Error(`split at ${cut} differs`);
    }
  });

  test("every pair of split offsets into 3 pieces (sampled)", () => {
    for (let a = 0; a <= stream.length; a += 3) {
      for (let b = a; b <= stream.length; b += 5) {
        const got = decodeChunks([stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        if (JSON.stringify(got) !== JSON.stringify(whole)) throw new Error(`split at ${a}/${b} differs`);
      }
    }
  });

  test("byte by byte", () => {
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < stream.length; i++) chunks.push(stream.subarray(i, i + 1));
    expect(decodeChunks(chunks)).toEqual(whole);
  });

  test("random chunkings (seeded)", () => {
    const r = rng(42);
    for (let iter = 0; iter < 300; iter++) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < stream.length; ) {
        const n = Math.min(stream.length - at, Math.floor(r() * 64));
        chunks.push(stream.subarray(at, at + n)); // includes empty chunks
        at += n;
      }
      expect(decodeChunks(chunks)).toEqual(whole);
    }
  });

  test("several whole frames in one chunk, then a frame split over the next two", () => {
    const a = cat(encodeFin(1), encodePing(FrameType.PING, 2), encodeAck(3, 4, false, 0));
    const d = encodeData(9, unhex("aabbcc"));
    expect(decodeChunks([a, d.subarray(0, 10), d.subarray(10)])).toEqual([
      ["fin", 1],
      ["ping", 2],
      ["ack", 3, 4, 0, 0],
      ["data", 9, "aabbcc"],
    ]);
  });

  test("idle only between frames", () => {
    const r = new Recorder();
    const d = new FrameDecoder(r);
    expect(d.idle).toBe(true);
    const f = encodeData(0, unhex("0102"));
    d.push(f.subarray(0, 5));
    expect(d.idle).toBe(false);
    d.push(f.subarray(5, 17));
    expect(d.idle).toBe(false);
    d.push(f.subarray(17));
    expect(d.idle).toBe(true);
    expect(mergeFragments(r.events)).toEqual([["data", 0, "0102"]]);
    const a = encodeAck(1, 2, false, 0);
    d.push(a.subarray(0, 20));
    expect(d.idle).toBe(false);
    d.push(a.subarray(20));
    expect(d.idle).toBe(true);
  });
});

describe("decoder: DATA payloads are never copied", () => {
  test("several frames in one chunk: each payload is a view at the right place", () => {
    const chunk = cat(encodeData(0, unhex("0102")), encodeFin(5), encodeData(2, unhex("030405")));
    const r = new Recorder();
    new FrameDecoder(r).push(chunk);
    expect(r.views).toHaveLength(2);
    expect(r.views[0]!.buffer).toBe(chunk.buffer);
    expect(r.views[0]!.byteOffset).toBe(chunk.byteOffset + 16);
    expect(r.views[1]!.buffer).toBe(chunk.buffer);
    expect(r.views[1]!.byteOffset).toBe(chunk.byteOffset + 18 + 16 + 16);
    chunk[16] = 0x99; // a view sees later changes to the chunk
    expect(r.views[0]![0]).toBe(0x99);
  });

  test("header split across chunks, payload wholly in the second: one view", () => {
    const f = encodeData(0, unhex("0a0b0c"));
    const second = f.slice(7);
    const r = new Recorder();
    const d = new FrameDecoder(r);
    d.push(f.slice(0, 7));
    d.push(second);
    expect(r.events).toEqual([["data", 0, "0a0b0c"]]);
    expect(r.views[0]!.buffer).toBe(second.buffer);
  });

  test("a payload spanning chunks arrives as fragments, each a view with its own offset", () => {
    const f = encodeData(100, unhex("0a0b0c0d0e"));
    const c1 = f.slice(0, 18); // header + 2 payload bytes
    const c2 = f.slice(18, 19); // 1 byte
    const c3 = cat(f.subarray(19), encodeFin(105)); // last 2 bytes + a FIN
    const r = new Recorder();
    const d = new FrameDecoder(r);
    d.push(c1);
    d.push(c2);
    d.push(c3);
    expect(r.events).toEqual([
      ["data", 100, "0a0b"],
      ["data", 102, "0c"],
      ["data", 103, "0d0e"],
      ["fin", 105],
    ]);
    expect(r.views.map((v) => v.buffer)).toEqual([c1.buffer, c2.buffer, c3.buffer]);
    expect(r.views[0]!.byteOffset).toBe(16);
    expect(r.views[2]!.byteOffset).toBe(0);
  });

  test("a header that ends exactly at a chunk end yields no empty fragment", () => {
    const f = encodeData(0, unhex("aabb"));
    const r = new Recorder();
    const d = new FrameDecoder(r);
    d.push(f.slice(0, 16));
    expect(r.events).toEqual([]);
    d.push(f.slice(16));
    expect(r.events).toEqual([["data", 0, "aabb"]]);
    const r2 = new Recorder();
    const d2 = new FrameDecoder(r2);
    d2.push(f.slice(0, 10));
    d2.push(f.slice(10, 16));
    d2.push(f.slice(16));
    expect(r2.events).toEqual([["data", 0, "aabb"]]);
  });
});

describe("decoder: malformed input is a typed ProtocolError", () => {
  const cases: [name: string, bytes: Uint8Array, code: ProtocolErrorCode, maxPayload?: number][] = [
    ["DATA above maxPayload", header(FrameType.DATA, 0, 0, 101, "0"), "EFRAMESIZE", 100],
    ["DATA above the default 1 MiB", header(FrameType.DATA, 0, 0, (1 << 20) + 1, "0"), "EFRAMESIZE"],
    ["DATA with length 0xffffffff", header(FrameType.DATA, 0, 0, 0xffffffff, "0"), "EFRAMESIZE"],
    ["DATA with empty payload", header(FrameType.DATA, 0, 0, 0, "0"), "EFRAME"],
    ["ACK with 8-byte payload (the old layout)", cat(header(FrameType.ACK, 0, 0, 8, "0"), new Uint8Array(8)), "EFRAME"],
    ["ACK with 17-byte payload", cat(header(FrameType.ACK, 0, 0, 17, "0"), new Uint8Array(17)), "EFRAME"],
    ["ACK with no payload", header(FrameType.ACK, 0, 0, 0, "0"), "EFRAME"],
    ["FIN with payload", cat(header(FrameType.FIN, 0, 0, 1, "0"), new Uint8Array(1)), "EFRAME"],
    ["PING with payload", cat(header(FrameType.PING, 0, 0, 8, "0"), new Uint8Array(8)), "EFRAME"],
    ["PONG with payload", cat(header(FrameType.PONG, 0, 0, 1, "0"), new Uint8Array(1)), "EFRAME"],
    ["ABORT reason > 1024", header(FrameType.ABORT, 0, 0, 1025, "0"), "EFRAMESIZE"],
    ["type 0x00", header(0x00, 0, 0, 0, "0"), "EFRAMETYPE"],
    ["type 0x07", header(0x07, 0, 0, 0, "0"), "EFRAMETYPE"],
    ["type 0xff", header(0xff, 0, 0, 0, "0"), "EFRAMETYPE"],
    ["FIN value 2^53", header(FrameType.FIN, 0, 0, 0, "0020000000000000"), "EFRAME"],
    ["PING value 2^64-1", header(FrameType.PING, 0, 0, 0, "ffffffffffffffff"), "EFRAME"],
    ["PONG value 2^63", header(FrameType.PONG, 0, 0, 0, "8000000000000000"), "EFRAME"],
    ["DATA offset 2^53", cat(header(FrameType.DATA, 0, 0, 1, "0020000000000000"), unhex("00")), "EFRAME"],
    ["DATA end beyond 2^53-1", cat(header(FrameType.DATA, 0, 0, 2, "001ffffffffffffe"), unhex("0000")), "EFRAME"],
    ["ACK value 2^53", cat(header(FrameType.ACK, 0, 0, 16, "0020000000000000"), new Uint8Array(16)), "EFRAME"],
    ["ACK window 2^53", cat(header(FrameType.ACK, 0, 0, 16, "0"), unhex("0020000000000000"), new Uint8Array(8)), "EFRAME"],
    ["ACK subflow count 2^53", cat(header(FrameType.ACK, 0, 0, 16, "0"), new Uint8Array(8), unhex("0020000000000000")), "EFRAME"],
    ["ABORT value 2^53", header(FrameType.ABORT, 0, 0, 0, "0020000000000000"), "EFRAME"],
  ];

  for (const [name, bytes, code, maxPayload] of cases) {
    test(`${name} → ${code}`, () => {
      const r = new Recorder();
      const d = new FrameDecoder(r, maxPayload);
      expect(protocolErrorOf(() => d.push(bytes)).code).toBe(code);
      expect(r.events).toEqual([]);
    });

    test(`${name} → ${code}, also when fed byte by byte`, () => {
      const d = new FrameDecoder(new Recorder(), maxPayload);
      const err = protocolErrorOf(() => {
        for (let i = 0; i < bytes.length; i++) d.push(bytes.subarray(i, i + 1));
      });
      expect(err.code).toBe(code);
    });
  }

  test("valid frames before the bad one are delivered, the rest is not", () => {
    const r = new Recorder();
    const d = new FrameDecoder(r);
    const bytes = cat(encodeFin(1), header(0x09, 0, 0, 0, "0"), encodeFin(1));
    expect(protocolErrorOf(() => d.push(bytes)).code).toBe("EFRAMETYPE");
    expect(r.events).toEqual([["fin", 1]]);
  });

  test("the decoder is unusable after an error (EDECODER), even for valid bytes", () => {
    const r = new Recorder();
    const d = new FrameDecoder(r);
    protocolErrorOf(() => d.push(header(0x42, 0, 0, 0, "0")));
    expect(protocolErrorOf(() => d.push(encodeFin(1))).code).toBe("EDECODER");
    expect(protocolErrorOf(() => d.push(new Uint8Array(0))).code).toBe("EDECODER");
    expect(r.events).toEqual([]);
  });

  test("an error thrown by the sink also poisons the decoder", () => {
    const d = new FrameDecoder({
      onData: () => {},
      onAck: () => {},
      onFin: () => {
        throw new ProtocolError("EFIN", "sink says no");
      },
      onPing: () => {},
      onPong: () => {},
      onAbort: () => {},
    });
    expect(protocolErrorOf(() => d.push(encodeFin(3))).code).toBe("EFIN");
    expect(protocolErrorOf(() => d.push(encodeFin(3))).code).toBe("EDECODER");
  });
});

describe("decoder: garbage", () => {
  function feedGarbage(bytes: Uint8Array, r: () => number, maxPayload: number): void {
    const d = new FrameDecoder(new Recorder(), maxPayload);
    try {
      for (let at = 0; at < bytes.length; ) {
        const n = Math.min(bytes.length - at, 1 + Math.floor(r() * 40));
        d.push(bytes.subarray(at, at + n));
        at += n;
      }
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw new Error(`non-protocol error: ${String(e)}`);
      expect(typeof e.code).toBe("string");
      expect(() => d.push(new Uint8Array(1))).toThrow(ProtocolError);
    }
  }

  test("uniform random bytes (seeded, 3000 iterations): only ProtocolError", () => {
    const r = rng(7);
    for (let iter = 0; iter < 3000; iter++) {
      const b = new Uint8Array(Math.floor(r() * 200));
      for (let i = 0; i < b.length; i++) b[i] = Math.floor(r() * 256);
      feedGarbage(b, r, iter % 2 === 0 ? 4096 : DEFAULT_MAX_PAYLOAD);
    }
  });

  test("plausible headers with random fields (seeded, 3000 iterations): only ProtocolError", () => {
    const r = rng(11);
    for (let iter = 0; iter < 3000; iter++) {
      const parts: Uint8Array[] = [];
      const frames = 1 + Math.floor(r() * 5);
      for (let k = 0; k < frames; k++) {
        const type = Math.floor(r() * 8);
        const len = r() < 0.5 ? Math.floor(r() * 12) : Math.floor(r() * 300);
        const value = Array.from({ length: 8 }, () => (r() < 0.8 ? 0 : Math.floor(r() * 256)));
        const h = header(type, Math.floor(r() * 256), Math.floor(r() * 65536), len, Buffer.from(value).toString("hex"));
        const body = new Uint8Array(Math.floor(r() * (len + 4)));
        for (let i = 0; i < body.length; i++) body[i] = Math.floor(r() * 256);
        parts.push(h, body);
      }
      feedGarbage(cat(...parts), r, 256);
    }
  });

  test("valid stream with random bit flips (seeded, 2000 iterations): only ProtocolError", () => {
    const r = rng(99);
    const base = sampleStream();
    for (let iter = 0; iter < 2000; iter++) {
      const b = base.slice();
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips; k++) b[Math.floor(r() * b.length)]! ^= 1 << Math.floor(r() * 8);
      feedGarbage(b, r, DEFAULT_MAX_PAYLOAD);
    }
  });
});
