/** Scheduler policy (src/core/scheduler.ts): subflow order and in-flight quota. Pure functions. */
import { describe, expect, test } from "bun:test";
import { pickOrder, quotaFor, type SchedSubflow } from "../../src/core/scheduler.ts";

interface Fake extends SchedSubflow {
  name: string;
}

function sub(name: string, srtt: number | null, o: { backup?: boolean; rate?: number; inflight?: number } = {}): Fake {
  return {
    name,
    backup: o.backup ?? false,
    state: "up",
    inflight: o.inflight ?? 0,
    rate: o.rate ?? 0,
    rtt: { srtt: srtt ?? 0, samples: srtt === null ? 0 : 3 },
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

describe("quotaFor", () => {
  const o = { chunkSize: 256 * 1024, sendBuffer: 16 * MiB };

  test("no rate or no RTT yet: the floor, max(1 MiB, 4 chunks)", () => {
    expect(quotaFor(sub("a", null), o)).toBe(MiB);
    expect(quotaFor(sub("a", 10), o)).toBe(MiB); // rate 0
    expect(quotaFor(sub("a", null, { rate: 1e6 }), o)).toBe(MiB); // no samples
    expect(quotaFor(sub("a", null), { chunkSize: MiB, sendBuffer: 16 * MiB })).toBe(4 * MiB);
  });

  test("floor is capped by the send buffer", () => {
    expect(quotaFor(sub("a", null), { chunkSize: MiB, sendBuffer: 2 * MiB })).toBe(2 * MiB);
    expect(quotaFor(sub("a", 10, { rate: 1e6 }), { chunkSize: 256 * 1024, sendBuffer: 512 * 1024 })).toBe(512 * 1024);
  });

  test("twice the bandwidth-delay product: 2 × rate (bytes/ms) × srtt (ms)", () => {
    // 100 kB/ms (100 MB/s) × 40 ms × 2 = 8 MB
    expect(quotaFor(sub("a", 40, { rate: 100_000 }), o)).toBe(8_000_000);
  });

  test("a small BDP stays at the floor", () => {
    expect(quotaFor(sub("a", 1, { rate: 1000 }), o)).toBe(MiB);
  });

  test("a huge BDP is capped by the send buffer", () => {
    expect(quotaFor(sub("a", 500, { rate: 1e6 }), o)).toBe(16 * MiB);
  });

  test("srtt below 1 ms counts as 1 ms", () => {
    expect(quotaFor(sub("a", 0.01, { rate: 2 * MiB }), o)).toBe(4 * MiB);
    expect(quotaFor(sub("a", 0, { rate: 2 * MiB }), o)).toBe(4 * MiB);
  });

  test("faster paths get proportionally larger quotas (heterogeneous links sum)", () => {
    const oBig = { chunkSize: 64 * 1024, sendBuffer: 1 << 30 };
    const gig = quotaFor(sub("1G", 5, { rate: 125_000 }), oBig); // 1 Gbit/s
    const hundred = quotaFor(sub("100M", 5, { rate: 12_500 }), oBig); // 100 Mbit/s
    expect(gig).toBe(1_250_000);
    expect(hundred).toBe(MiB); // floor
    const far = quotaFor(sub("far", 80, { rate: 12_500 }), oBig);
    expect(far).toBe(2_000_000);
  });
});
