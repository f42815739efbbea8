/** Scheduler policy (src/core/scheduler.ts): subflow order and in-flight quota. Pure functions. */
import { describe, expect, test } from "bun:test";
import { fillByCapacity, fillRedundant, pickOrder, quotaFor, usable, type SchedSubflow } from "../../src/core/scheduler.ts";
import { SendBuffer } from "../../src/core/send-buffer.ts";

interface Fake extends SchedSubflow {
  name: string;
}

function sub(name: string, srtt: number | null, o: { backup?: boolean; rate?: number; inflight?: number } = {}): Fake {
  return {
    name,
    backup: o.backup ?? false,
    state: "up",
    writable: true,
    cursor: 0,
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
