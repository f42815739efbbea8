/** ReorderBuffer (src/core/reorder-buffer.ts): reassembly by byte offset, views only, duplicate accounting. */
import { describe, expect, test } from "bun:test";
import { ENTRY_COST, ReorderBuffer } from "../../src/core/reorder-buffer.ts";
import { seededRandom } from "../helpers/memory-pipe.ts";

const rng = seededRandom;

function data(n: number, seed = 1): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: n }, () => Math.floor(r() * 256));
}

/** Offer one segment and collect what comes out in order (offer result + drains). */
function feed(rb: ReorderBuffer, offset: number, view: Uint8Array, out: Uint8Array[]): void {
  let v = rb.offer(offset, view);
  while (v !== null) {
    out.push(v);
    v = rb.drain();
  }
}

function joined(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe("ReorderBuffer", () => {
  test("in order: each offer returns the very same view", () => {
    const rb = new ReorderBuffer();
    const a = data(10);
    const b = data(5, 2);
    expect(rb.offer(0, a)).toBe(a);
    expect(rb.drain()).toBeNull();
    expect(rb.offer(10, b)).toBe(b);
    expect(rb.next).toBe(15);
    expect(rb.bytes).toBe(0);
    expect(rb.segments).toBe(0);
    expect(rb.duplicateBytes).toBe(0);
    expect(rb.highest).toBe(15);
  });

  test("out of order: held without copying, released in order by drain", () => {
    const rb = new ReorderBuffer();
    const d = data(30);
    const a = d.subarray(0, 10);
    const b = d.subarray(10, 20);
    const c = d.subarray(20, 30);
    expect(rb.offer(20, c)).toBeNull();
    expect(rb.offer(10, b)).toBeNull();
    expect(rb.bytes).toBe(20);
    expect(rb.segments).toBe(2);
    expect(rb.highest).toBe(30);
    expect(rb.next).toBe(0);
    expect(rb.offer(0, a)).toBe(a);
    expect(rb.drain()).toBe(b);
    expect(rb.drain()).toBe(c);
    expect(rb.drain()).toBeNull();
    expect(rb.next).toBe(30);
    expect(rb.bytes).toBe(0);
    expect(rb.segments).toBe(0);
  });

  test("a gap stops drain", () => {
    const rb = new ReorderBuffer();
    const d = data(30);
    rb.offer(10, d.subarray(10, 20));
    rb.offer(25, d.subarray(25, 30));
    expect(rb.offer(0, d.subarray(0, 10))).not.toBeNull();
    expect(rb.drain()).not.toBeNull();
    expect(rb.drain()).toBeNull();
    expect(rb.next).toBe(20);
    expect(rb.segments).toBe(1);
    expect(rb.bytes).toBe(5);
    expect(rb.highest).toBe(30);
  });

  test("duplicate of delivered data is dropped and counted", () => {
    const rb = new ReorderBuffer();
    const d = data(20);
    rb.offer(0, d.subarray(0, 20));
    expect(rb.offer(0, d.subarray(0, 20))).toBeNull();
    expect(rb.offer(5, d.subarray(5, 10))).toBeNull();
    expect(rb.offer(10, d.subarray(10, 20))).toBeNull(); // ends exactly at next
    expect(rb.duplicateBytes).toBe(20 + 5 + 10);
    expect(rb.next).toBe(20);
  });

  test("duplicate of a held segment: the shorter is dropped, a longer one replaces it", () => {
    const rb = new ReorderBuffer();
    const d = data(40);
    expect(rb.offer(10, d.subarray(10, 20))).toBeNull();
    expect(rb.offer(10, d.subarray(10, 15))).toBeNull();
    expect(rb.duplicateBytes).toBe(5);
    expect(rb.offer(10, d.subarray(10, 20))).toBeNull();
    expect(rb.duplicateBytes).toBe(15);
    expect(rb.bytes).toBe(10);
    expect(rb.offer(10, d.subarray(10, 30))).toBeNull();
    expect(rb.duplicateBytes).toBe(25);
    expect(rb.bytes).toBe(20);
    expect(rb.segments).toBe(1);
    const out: Uint8Array[] = [];
    feed(rb, 0, d.subarray(0, 10), out);
    expect(joined(out)).toEqual(d.subarray(0, 30));
  });

  test("partial overlap with delivered data is trimmed to a view of the fresh part", () => {
    const rb = new ReorderBuffer();
    const d = data(30);
    rb.offer(0, d.subarray(0, 10));
    const seg = d.subarray(5, 20);
    const v = rb.offer(5, seg)!;
    expect(v.length).toBe(10);
    expect(v.buffer).toBe(d.buffer);
    expect(v.byteOffset).toBe(10);
    expect(rb.duplicateBytes).toBe(5);
    expect(rb.next).toBe(20);
  });

  test("overlapping segments are trimmed on arrival: held bytes count each offset once", () => {
    const rb = new ReorderBuffer();
    const d = data(50);
    rb.offer(20, d.subarray(20, 30));
    rb.offer(25, d.subarray(25, 40)); // overlaps the previous by 5: kept as [30, 40)
    rb.offer(22, d.subarray(22, 28)); // lies inside the first: dropped
    expect(rb.segments).toBe(2);
    expect(rb.bytes).toBe(20);
    expect(rb.duplicateBytes).toBe(5 + 6);
    const out: Uint8Array[] = [];
    feed(rb, 0, d.subarray(0, 20), out);
    expect(joined(out)).toEqual(d.subarray(0, 40));
    expect(rb.next).toBe(40);
    expect(rb.bytes).toBe(0);
    expect(rb.duplicateBytes).toBe(5 + 6);
    for (const v of out) expect(v.buffer).toBe(d.buffer);
  });

  test("highest: next when empty, else the furthest end held", () => {
    const rb = new ReorderBuffer();
    expect(rb.highest).toBe(0);
    const d = data(100);
    rb.offer(50, d.subarray(50, 60));
    rb.offer(30, d.subarray(30, 90));
    rb.offer(70, d.subarray(70, 75));
    expect(rb.highest).toBe(90);
    rb.offer(0, d.subarray(0, 30));
    while (rb.drain() !== null);
    expect(rb.highest).toBe(90);
    expect(rb.next).toBe(90);
  });

  test("random segmentations, mixed and shuffled, reassemble exactly (seeded)", () => {
    const r = rng(2024);
    for (let iter = 0; iter < 300; iter++) {
      const n = 1 + Math.floor(r() * 3000);
      const d = data(n, iter + 1);
      const segs: [number, number][] = [];
      const copies = 1 + Math.floor(r() * 3); // 1..3 independent segmentations: duplicates and overlaps
      for (let k = 0; k < copies; k++) {
        for (let at = 0; at < n; ) {
          const len = Math.min(n - at, 1 + Math.floor(r() * 400));
          segs.push([at, at + len]);
          at += len;
        }
      }
      for (let i = segs.length - 1; i > 0; i--) {
        const j = Math.floor(r() * (i + 1));
        [segs[i], segs[j]] = [segs[j]!, segs[i]!];
      }
      const rb = new ReorderBuffer();
      const out: Uint8Array[] = [];
      let offered = 0;
      for (const [s, e] of segs) {
        feed(rb, s, d.subarray(s, e), out);
        offered += e - s;
        expect(rb.highest).toBeGreaterThanOrEqual(rb.next);
      }
      const got = joined(out);
      if (Buffer.compare(got, d) !== 0) throw new Error(`iteration ${iter}: reassembly differs`);
      // Views of the input, except held ones that would have pinned a buffer over twice their size.
      for (const v of out) if (v.buffer !== d.buffer) expect(d.length).toBeGreaterThan(2 * v.buffer.byteLength + 64);
      expect(rb.next).toBe(n);
      expect(rb.bytes).toBe(0);
      expect(rb.segments).toBe(0);
      expect(rb.duplicateBytes).toBe(offered - n);
    }
  });

  test("1 MiB segments at offsets 1…400 hold each byte once (overlaps trimmed on arrival)", () => {
    const rb = new ReorderBuffer();
    const d = new Uint8Array((1 << 20) + 400);
    for (let i = 1; i <= 400; i++) rb.offer(i, d.subarray(i, i + (1 << 20)));
    expect(rb.bytes).toBe((1 << 20) + 399);
    expect(rb.segments).toBeLessThanOrEqual(400);
    expect(rb.highest).toBe((1 << 20) + 400);
  });

  test("a segment cap: one more held segment throws EREORDER; duplicates and in-order data still pass", () => {
    const rb = new ReorderBuffer(100);
    const d = new Uint8Array(1000);
    for (let i = 0; i < 100; i++) rb.offer(1 + 2 * i, d.subarray(0, 1));
    expect(rb.segments).toBe(100);
    expect(() => rb.offer(999, d.subarray(0, 1))).toThrow(expect.objectContaining({ code: "EREORDER" }));
    expect(rb.offer(3, d.subarray(0, 1))).toBeNull(); // a duplicate of a held one is fine
    expect(rb.offer(0, d.subarray(0, 1))).not.toBeNull();
    expect(rb.cost).toBe(rb.bytes + rb.segments * ENTRY_COST);
  });

  test("past the pin limit, a few bytes held out of a large receive buffer are copied, not pinned", () => {
    const rb = new ReorderBuffer(1000, 100 * 1024);
    const reads = [0, 1, 2].map(() => new Uint8Array(64 * 1024));
    reads[1]![100] = 7;
    rb.offer(10, reads[0]!.subarray(0, 1)); // under the limit: kept as a view
    expect(rb.pinned).toBe(64 * 1024);
    rb.offer(20, reads[1]!.subarray(100, 101)); // would pin 128 KiB: copied
    expect(rb.pinned).toBe(64 * 1024 + 1);
    rb.offer(30, reads[2]!.subarray(0, 40_000)); // most of its buffer: kept whatever the limit
    expect(rb.pinned).toBe(128 * 1024 + 1);
    rb.offer(0, new Uint8Array(10));
    expect(rb.drain()!.buffer).toBe(reads[0]!.buffer);
    rb.offer(11, new Uint8Array(9));
    const v = rb.drain()!;
    expect(v[0]).toBe(7);
    expect(v.buffer.byteLength).toBe(1);
    rb.offer(21, new Uint8Array(9));
    expect(rb.drain()!.buffer).toBe(reads[2]!.buffer);
    expect(rb.pinned).toBe(0);
  });

  test("highest stays cheap with many held segments (FIN checks)", () => {
    const rb = new ReorderBuffer();
    const one = new Uint8Array(1);
    for (let i = 0; i < 100_000; i++) rb.offer(1 + 2 * i, one);
    const t = performance.now();
    let h = 0;
    for (let i = 0; i < 100_000; i++) h += rb.highest;
    expect(h).toBe(100_000 * 200_000);
    expect(performance.now() - t).toBeLessThan(1000); // a walk per call would take minutes
  });
});
