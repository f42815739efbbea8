/** The v0 codec (docs/PROTOCOL.md appendix A): QUIC varints, frames at every split, bad input. */
import { describe, expect, test } from "bun:test";
import { encodeFrameHead, V0_MAX_PAYLOAD, V0Decoder, varintSize, writeVarint } from "../../src/compat/v0/codec.ts";
import { ProtocolError } from "../../src/core/errors.ts";

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ""), "hex"));

interface Event {
  kind: "data" | "control";
  n: number;
  payload?: string;
}

/** Decode `input` fed in the pieces `splits` gives; whole payloads reassembled for comparison. */
function decode(input: Uint8Array, splits: number[] = []): Event[] {
  const out: Event[] = [];
  let cur = "";
  const d = new V0Decoder({
    onData(seq, fragment, first, last) {
      if (first) cur = "";
      cur += hex(fragment);
      if (last) out.push({ kind: "data", n: seq, payload: cur });
    },
    onControl(n) {
      out.push({ kind: "control", n });
    },
  });
  let at = 0;
  for (const s of [...splits, input.length]) {
    d.push(input.subarray(at, s));
    at = s;
  }
  return out;
}

describe("v0 varints (RFC 9000 §16)", () => {
  test("the RFC's examples decode, and values encode to the shortest form", () => {
    // 0x25 = 37, 0x7bbd = 15293, 0x9d7f3e7d = 494878333; 0x4025 = 37 in two bytes (non-minimal, still valid)
    expect(decode(bytes("00 25"))).toEqual([{ kind: "control", n: 37 }]);
    expect(decode(bytes("00 7bbd"))).toEqual([{ kind: "control", n: 15293 }]);
    expect(decode(bytes("00 9d7f3e7d"))).toEqual([{ kind: "control", n: 494878333 }]);
    expect(decode(bytes("00 4025"))).toEqual([{ kind: "control", n: 37 }]);
    expect(hex(encodeFrameHead(0, 15293))).toBe("007bbd");
    expect(hex(encodeFrameHead(0, 494878333))).toBe("009d7f3e7d");
  });

  test("boundaries: 63/64, 16383/16384, 2^30−1/2^30, 2^53−1 round-trip", () => {
    for (const v of [0, 63, 64, 16383, 16384, 2 ** 30 - 1, 2 ** 30, Number.MAX_SAFE_INTEGER]) {
      const b = new Uint8Array(9);
      b[0] = 0;
      const end = writeVarint(b, 1, v);
      expect(end - 1).toBe(varintSize(v));
      expect(decode(b.subarray(0, end))).toEqual([{ kind: "control", n: v }]);
    }
  });
});

describe("v0 frames", () => {
  // data frame 10 "hello", ack 10, ping, pong, data frame 11 of 70 bytes (2-byte length varint)
  const long = new Uint8Array(70).fill(0xab);
  const input = Buffer.concat([
    encodeFrameHead(5, 10), Buffer.from("hello"),
    encodeFrameHead(0, 10), encodeFrameHead(0, 0), encodeFrameHead(0, 1),
    encodeFrameHead(70, 11), long,
  ]);
  const want: Event[] = [
    { kind: "data", n: 10, payload: hex(Buffer.from("hello")) },
    { kind: "control", n: 10 },
    { kind: "control", n: 0 },
    { kind: "control", n: 1 },
    { kind: "data", n: 11, payload: hex(long) },
  ];

  test("byte vector of a data frame", () => {
    expect(hex(input.subarray(0, 7))).toBe("050a68656c6c6f");
  });

  test("decodes the same at every split offset, and at every pair of offsets", () => {
    expect(decode(input)).toEqual(want);
    for (let i = 0; i <= input.length; i++) expect(decode(input, [i])).toEqual(want);
    for (let i = 0; i <= input.length; i += 3) for (let j = i; j <= input.length; j += 5) expect(decode(input, [i, j])).toEqual(want);
  });

  test("payloads are views of the input, never copies", () => {
    const seen: Uint8Array[] = [];
    new V0Decoder({ onData: (_s, f) => void seen.push(f), onControl() {} }).push(input);
    expect(seen[0]!.buffer).toBe(input.buffer);
  });

  test("a payload over 1 MiB is corruption (EFRAMESIZE), caught from the head alone", () => {
    const head = encodeFrameHead(V0_MAX_PAYLOAD + 1, 10);
    expect(() => decode(head)).toThrow(ProtocolError);
    try {
      decode(head);
    } catch (err) {
      expect((err as ProtocolError).code).toBe("EFRAMESIZE");
    }
    expect(decode(Buffer.concat([encodeFrameHead(V0_MAX_PAYLOAD, 10)]))).toEqual([]); // exactly 1 MiB is fine
  });

  test("a data frame numbered below 10 is rejected (EFRAME); the decoder is then unusable", () => {
    const d = new V0Decoder({ onData() {}, onControl() {} });
    expect(() => d.push(Buffer.concat([encodeFrameHead(3, 9), Buffer.from("abc")]))).toThrow(/below 10/);
    expect(() => d.push(new Uint8Array(1))).toThrow(ProtocolError);
  });
});
