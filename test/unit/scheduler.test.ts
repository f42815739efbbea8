/** Scheduler policy (src/core/scheduler.ts): subflow order and in-flight quota. Pure functions. */
import { describe, expect, test } from "bun:test";
import { ACK_STEPS, fillByCapacity, fillRedundant, HORIZON_FLOOR_MS, horizonMs, pickOrder, quotaFor, usable, type SchedSubflow } from "../../src/core/scheduler.ts";
import { BASE_ACK_STEP } from "../../src/core/receiver.ts";
import { SendBuffer } from "../../src/core/send-buffer.ts";

interface Fake extends SchedSubflow {
  name: string;
}

function sub(name: string, srtt: number | null, o: { backup?: boolean; doubt?: boolean; rate?: number; inflight?: number; min?: number } = {}): Fake {
  return {
    name,
    backup: o.backup ?? false,
    doubt: o.doubt ?? false,
    state: "up",
    writable: true,
    cursor: 0,
    inflight: o.inflight ?? 0,
    rate: o.rate ?? 0,
    rtt: { srtt: srtt ?? 0, min: o.min ?? srtt ?? 0, samples: srtt === null ? 0 : 3 },
  };
}

const names = (s: Fake[]): string[] => s.map((x) => x.name);
const MiB = 1 << 20;

describe("pickOrder", () => {
  test("primaries by smoothed RTT, fastest first", () => {
    expect(names(pickOrder([sub("slow", 80), sub("fast", 5), sub("mid", 20)]))).toEqual(["fast", "mid", "slow"]);
  });

  test("subflows without an RTT sample go after measured primaries", () => {
    expect(names(pickOrder([sub("new", null), sub("slow", 300), sub("fast", 1)]))).toEqual(["fast", "slow", "new"]);
  });

  test("an RTT of 0 ms with samples counts as measured (not as unknown)", () => {
    expect(names(pickOrder([sub("new", null), sub("zero", 0)]))).toEqual(["zero", "new"]);
  });

  test("backups always after primaries, even when faster; ordered by RTT among themselves", () => {
    const order = pickOrder([
      sub("b-fast", 1, { backup: true }),
      sub("p-slow", 500),
      sub("b-slow", 50, { backup: true }),
      sub("p-new", null),
    ]);
    expect(names(order)).toEqual(["p-slow", "p-new", "b-fast", "b-slow"]);
  });

  test("equal RTTs keep their input order (stable), and the input is not mutated", () => {
    const input = [sub("x", 10), sub("y", 10), sub("z", 10), sub("w", 2)];
    const before = names(input);
    expect(names(pickOrder(input))).toEqual(["w", "x", "y", "z"]);
    expect(names(input)).toEqual(before);
    expect(pickOrder(input)).not.toBe(input);
  });

  test("empty in, empty out", () => {
    expect(pickOrder([])).toEqual([]);
  });
});

describe("quotaFor and the horizon", () => {
  const o = { chunkSize: 256 * 1024, sendBuffer: 16 * MiB };

  test("no rate or no RTT yet: a few chunks, max(1 MiB, 4 chunks), capped by the send buffer", () => {
    expect(quotaFor(sub("a", null), o, 100)).toBe(MiB);
    expect(quotaFor(sub("a", 10), o, 100)).toBe(MiB); // rate 0
    expect(quotaFor(sub("a", null, { rate: 1e6 }), o, 100)).toBe(MiB); // no samples
    expect(quotaFor(sub("a", null), { chunkSize: MiB, sendBuffer: 16 * MiB }, 100)).toBe(4 * MiB);
    expect(quotaFor(sub("a", null), { chunkSize: MiB, sendBuffer: 2 * MiB }, 100)).toBe(2 * MiB);
  });

  test("what the subflow delivers within the horizon: rate (bytes/ms) × horizon (ms)", () => {
    expect(quotaFor(sub("a", 5, { rate: 10_000 }), o, 300)).toBe(3_000_000);
  });

  test("at least two minimum RTTs' worth on a long path, at least one chunk, at most the send buffer", () => {
    expect(quotaFor(sub("far", 200, { rate: 10_000, min: 150 }), o, 50)).toBe(3_000_000);
    expect(quotaFor(sub("slow", 5, { rate: 100 }), o, 100)).toBe(256 * 1024);
    expect(quotaFor(sub("fat", 5, { rate: 1e6 }), o, 1000)).toBe(16 * MiB);
  });

  test("the horizon is half the time the bundle needs to fill the peer's window, within HORIZON_FLOOR_MS … 1 s", () => {
    // 100 + 10 Mbit/s = 12 500 + 1 250 bytes/ms; 8 MiB window → 8 388 608 / (2 × 13 750) ≈ 305 ms
    const h = horizonMs([sub("fast", 2, { rate: 12_500 }), sub("slow", 2, { rate: 1_250 })], 8 * MiB);
    expect(Math.round(h)).toBe(305);
    // The slow link may then hold ~380 kB (0.3 s of its data), not a megabyte (0.8 s).
    expect(quotaFor(sub("slow", 2, { rate: 1_250 }), o, h)).toBeLessThan(400_000);
    expect(horizonMs([sub("lo", 0.1, { rate: 3e6 })], 8 * MiB)).toBe(HORIZON_FLOOR_MS);
    // Loopback at ~350 MB/s per path, two paths: the window's share (≈ 12 ms), not the floor.
    expect(Math.round(horizonMs([sub("a", 0.3, { rate: 350_000 }), sub("b", 0.3, { rate: 350_000 })], 16 * MiB))).toBe(12);
    expect(horizonMs([sub("new", null)], 8 * MiB)).toBe(1000);
  });

  test("the horizon is also at most ACK_STEPS acknowledgements' worth of the bundle's time (bufferbloat)", () => {
    const lo = [sub("a", 0.05, { rate: 300_000 }), sub("b", 0.05, { rate: 300_000 })];
    // Loopback: the window alone allows ~7 ms; ACKs of 256 KiB every 0.44 ms bring it to the floor.
    expect(horizonMs(lo, 8 * MiB)).toBeGreaterThan(6.9);
    expect(horizonMs(lo, 8 * MiB, 256 * 1024)).toBe(Math.max(HORIZON_FLOOR_MS, (ACK_STEPS * 256 * 1024) / 600_000));
    // 2 × 200 Mbit/s (25 000 bytes/ms each): 84 ms by the window, 21 ms by the acks.
    const wan = [sub("a", 1, { rate: 25_000 }), sub("b", 1, { rate: 25_000 })];
    expect(Math.round(horizonMs(wan, 8 * MiB))).toBe(84);
    expect(Math.round(horizonMs(wan, 8 * MiB, 256 * 1024))).toBe(21);
    // A receiver on a fast path acks in larger steps (up to 1 MiB): the step being acknowledged counts
    // once, the queue behind it in BASE_ACK_STEP units as before, so the horizon does not grow 4×.
    expect(horizonMs(lo, 8 * MiB, MiB)).toBe((MiB + (ACK_STEPS - 1) * BASE_ACK_STEP) / 600_000);
    expect(horizonMs(lo, 8 * MiB, MiB)).toBeLessThan((ACK_STEPS * MiB) / 600_000 / 2);
    // Large ACK steps never raise it above the window's rule.
    expect(Math.round(horizonMs(wan, 8 * MiB, 8 * MiB))).toBe(84);
    expect(horizonMs([sub("b", 1, { rate: 10, backup: true }), sub("p", 1, { rate: 10 })], 1e9)).toBe(1000);
  });
});

describe("fill policies", () => {
  const o = { chunkSize: 256 * 1024, sendBuffer: 8 * MiB };
  function buffer(frames: number, size = 256 * 1024): SendBuffer<Fake> {
    const b = new SendBuffer<Fake>();
    for (let i = 0; i < frames; i++) b.push(new Uint8Array(16 + size), size);
    return b;
  }

  test("by capacity: the fastest subflow fills its quota first, then the next; backups stay idle", () => {
    const fast = sub("fast", 5);
    const slow = sub("slow", 50);
    const spare = sub("spare", 1, { backup: true });
    const order = pickOrder([slow, spare, fast]);
    const b = buffer(12);
    const got: string[] = [];
    fillByCapacity(order, b, Infinity, o, (s, seg) => {
      got.push(s.name);
      (s as { inflight: number }).inflight += seg.end - seg.offset;
    });
    expect(got.slice(0, 4)).toEqual(["fast", "fast", "fast", "fast"]); // 1 MiB floor quota each
    expect(got.slice(4, 8)).toEqual(["slow", "slow", "slow", "slow"]);
    expect(got).not.toContain("spare");
    expect(got.length).toBe(8);
  });

  test("by capacity: backups carry data when no primary is up; the window limits new data", () => {
    const down = { ...sub("down", 5), state: "closed" };
    const spare = sub("spare", 1, { backup: true });
    const b = buffer(4);
    const got: string[] = [];
    fillByCapacity(pickOrder([down, spare]), b, 2 * 256 * 1024, o, (s) => got.push(s.name));
    expect(got).toEqual(["spare", "spare"]);
    expect(usable(spare, [down, spare])).toBe(true);
  });

  test("redundant: every subflow sends every frame from its own cursor, skipping acknowledged data", () => {
    const a = sub("a", 5);
    const c = sub("c", 9);
    const b = buffer(3);
    const sent: string[] = [];
    fillRedundant(pickOrder([a, c]), b, Infinity, o, (s, seg) => sent.push(`${s.name}@${seg.offset}`));
    expect(sent).toEqual(["a@0", "a@262144", "a@524288", "c@0", "c@262144", "c@524288"]);
    // After an ack past c's position, c resumes from the acknowledged offset.
    c.cursor = 0;
    b.push(new Uint8Array(16 + 1000), 1000);
    b.ack(3 * 256 * 1024, () => {});
    sent.length = 0;
    fillRedundant([c], b, Infinity, o, (s, seg) => sent.push(`${s.name}@${seg.offset}`));
    expect(sent).toEqual(["c@786432"]);
  });
});

describe("usable: paths in doubt", () => {
  const names = (all: Fake[]) => all.filter((s) => usable(s, all)).map((s) => s.name);
  test("a primary in doubt gives way to a healthy primary, and to a healthy backup", () => {
    expect(names([sub("p1", 1, { doubt: true }), sub("p2", 1)])).toEqual(["p2"]);
    expect(names([sub("p", 1, { doubt: true }), sub("b", 1, { backup: true })])).toEqual(["b"]);
  });
  test("when every path is in doubt, primaries still carry data (nothing better), backups do not", () => {
    expect(names([sub("p", 1, { doubt: true }), sub("b", 1, { backup: true, doubt: true })])).toEqual(["p"]);
    expect(names([sub("p1", 1, { doubt: true }), sub("p2", 1, { doubt: true })])).toEqual(["p1", "p2"]);
  });
  test("a healthy primary keeps backups idle", () => {
    expect(names([sub("p", 1), sub("b", 1, { backup: true })])).toEqual(["p"]);
  });
});
