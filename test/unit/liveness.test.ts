/** Failure detection rules (src/core/liveness.ts): stalled relative to other paths, silent. */
import { describe, expect, test } from "bun:test";
import { failedSubflows, STALL_FLOOR_MS, stallAfterMs, type LiveSubflow } from "../../src/core/liveness.ts";

interface Fake extends LiveSubflow {
  name: string;
}
const sub = (name: string, o: Partial<LiveSubflow> = {}): Fake => ({
  name,
  state: "up",
  inflight: 0,
  progressAt: 0,
  lastReceiveAt: 0,
  rtt: { srtt: 10, samples: 3 },
  ...o,
});
const names = (r: { sub: Fake; code: string }[]) => r.map((x) => `${x.sub.name}:${x.code}`);

describe("stall threshold", () => {
  test("2 × srtt + 200 ms, at least the floor, at most deadAfterMs; unmeasured: deadAfterMs", () => {
    expect(stallAfterMs(sub("a", { rtt: { srtt: 10, samples: 1 } }), 5000)).toBe(STALL_FLOOR_MS);
    expect(stallAfterMs(sub("a", { rtt: { srtt: 400, samples: 1 } }), 5000)).toBe(1000);
    expect(stallAfterMs(sub("a", { rtt: { srtt: 4000, samples: 1 } }), 5000)).toBe(5000);
    expect(stallAfterMs(sub("a", { rtt: { srtt: 0, samples: 0 } }), 5000)).toBe(5000);
  });
});

describe("failedSubflows", () => {
  const now = 10_000;

  test("a path with data in flight and no progress while another path delivers: stalled", () => {
    const cut = sub("cut", { inflight: 1 << 20, progressAt: now - 900, lastReceiveAt: now - 900 });
    const ok = sub("ok", { inflight: 1 << 20, progressAt: now - 5, lastReceiveAt: now - 5 });
    expect(names(failedSubflows([cut, ok], now, 5000))).toEqual(["cut:ESTALLED"]);
  });

  test("every path without progress (the peer or our own loop is blocked): nobody is blamed", () => {
    const a = sub("a", { inflight: 1 << 20, progressAt: now - 2000, lastReceiveAt: now - 100 });
    const b = sub("b", { inflight: 1 << 20, progressAt: now - 2100, lastReceiveAt: now - 100 });
    expect(failedSubflows([a, b], now, 5000)).toEqual([]);
  });

  test("an idle path (nothing in flight) is never stalled; only silence past deadAfterMs ends it", () => {
    const idle = sub("idle", { inflight: 0, progressAt: 0, lastReceiveAt: now - 4000 });
    const busy = sub("busy", { inflight: 10, progressAt: now, lastReceiveAt: now });
    expect(failedSubflows([idle, busy], now, 5000)).toEqual([]);
    expect(names(failedSubflows([{ ...idle, lastReceiveAt: now - 6000 }, busy], now, 5000))).toEqual(["idle:ESILENT"]);
  });

  test("a slow path inside its threshold is left alone", () => {
    const slow = sub("slow", { inflight: 1 << 20, progressAt: now - 250, lastReceiveAt: now - 250, rtt: { srtt: 40, samples: 5 } });
    const fast = sub("fast", { inflight: 1 << 20, progressAt: now, lastReceiveAt: now });
    expect(failedSubflows([slow, fast], now, 5000)).toEqual([]);
  });
});
