/** When bytes without progress are resent elsewhere (src/core/liveness.ts: doubtAfterMs, doubtfulSubflows). */
import { describe, expect, test } from "bun:test";
import { DOUBT_FLOOR_MS, DOUBT_SLACK_MS, type DoubtSubflow, doubtAfterMs, doubtfulSubflows, UNKNOWN_RTT_MS } from "../../src/core/liveness.ts";

interface Fake extends DoubtSubflow {
  name: string;
}
const sub = (name: string, o: Partial<DoubtSubflow> = {}): Fake => ({
  name,
  state: "up",
  inflight: 0,
  progressAt: 0,
  lastReceiveAt: 0,
  doubt: false,
  awaitingFirst: false,
  lastPingAt: 0,
  rtt: { srtt: 10, min: 8, samples: 3 },
  ...o,
});
const now = 100_000;
const names = (s: Fake[]) => s.map((x) => x.name);

describe("doubtAfterMs", () => {
  test("a busy path: two minimum round trips of the fastest path plus the floor; a little more when its own RTT is long", () => {
    expect(doubtAfterMs(sub("a", { rtt: { srtt: 20, min: 2, samples: 4 } }), 5)).toBe(10 + DOUBT_FLOOR_MS);
    expect(doubtAfterMs(sub("a", { rtt: { srtt: 40, min: 2, samples: 4 } }), 5)).toBe(80);
    expect(doubtAfterMs(sub("a", { rtt: { srtt: 300, min: 250, samples: 4 } }), 5)).toBe(10 + DOUBT_FLOOR_MS + DOUBT_SLACK_MS);
  });
  test("the first report after idle: at least two of its own round trips plus the floor", () => {
    expect(doubtAfterMs(sub("a", { awaitingFirst: true, rtt: { srtt: 80, min: 40, samples: 4 } }), 5)).toBe(160 + DOUBT_FLOOR_MS);
    expect(doubtAfterMs(sub("a", { awaitingFirst: true, rtt: { srtt: 1, min: 1, samples: 4 } }), 5)).toBe(10 + DOUBT_FLOOR_MS);
  });
  test("nothing measured yet (session start): an assumed round trip", () => {
    expect(doubtAfterMs(sub("a", { awaitingFirst: true, rtt: { srtt: 0, min: Infinity, samples: 0 } }), Infinity)).toBe(2 * UNKNOWN_RTT_MS + DOUBT_FLOOR_MS);
  });
});

describe("doubtfulSubflows", () => {
  const doubted = (subs: Fake[]) => names(doubtfulSubflows(subs, now).doubt);
  const probed = (subs: Fake[]) => names(doubtfulSubflows(subs, now).probe);
  test("bytes without progress past the threshold while another path heard the peer since: in doubt, however few", () => {
    const stuck = sub("stuck", { inflight: 37, progressAt: now - 200 });
    const other = sub("other", { inflight: 0, progressAt: now - 5000, lastReceiveAt: now - 20 });
    expect(doubted([stuck, other])).toEqual(["stuck"]);
    expect(probed([stuck, other])).toEqual([]);
  });
  test("the other paths idle and unheard since: they are probed (once), nobody is in doubt yet", () => {
    const stuck = sub("stuck", { inflight: 37, progressAt: now - 200 });
    const backup = sub("backup", { lastReceiveAt: now - 700, lastPingAt: now - 900 });
    expect(doubted([stuck, backup])).toEqual([]);
    expect(probed([stuck, backup])).toEqual(["backup"]);
    expect(probed([stuck, { ...backup, lastPingAt: now - 5 }])).toEqual([]);
    // its PONG is the evidence
    expect(doubted([stuck, { ...backup, lastPingAt: now - 5, lastReceiveAt: now - 1 }])).toEqual(["stuck"]);
  });
  test("every path quiet since about the same time (the peer or the host was slow): nobody is blamed", () => {
    const a = sub("a", { inflight: 1 << 20, progressAt: now - 200, lastReceiveAt: now - 200 });
    const b = sub("b", { inflight: 1 << 20, progressAt: now - 195, lastReceiveAt: now - 195, lastPingAt: now - 500 });
    expect(doubted([a, b])).toEqual([]);
  });
  test("inside the threshold, idle, already in doubt, or not up: left alone", () => {
    const heard = sub("heard", { lastReceiveAt: now });
    const inside = sub("inside", { inflight: 1 << 20, progressAt: now - 50 });
    const idle = sub("idle", { inflight: 0, progressAt: now - 9000 });
    const already = sub("already", { inflight: 5, progressAt: now - 900, doubt: true });
    const closing = sub("closing", { inflight: 5, progressAt: now - 900, state: "closing" });
    expect(doubted([inside, idle, already, closing, heard])).toEqual([]);
  });
  test("no other healthy path to take the bytes (alone, or all others in doubt): nobody is put in doubt", () => {
    expect(doubted([sub("alone", { inflight: 5, progressAt: now - 900 })])).toEqual([]);
    const a = sub("a", { inflight: 5, progressAt: now - 900 });
    const b = sub("b", { inflight: 5, progressAt: now - 900, doubt: true, lastReceiveAt: now });
    expect(doubted([a, b])).toEqual([]);
  });
  test("two stuck with evidence on both: only one is put in doubt, the other takes its bytes", () => {
    const a = sub("a", { inflight: 5, progressAt: now - 900, lastReceiveAt: now });
    const b = sub("b", { inflight: 5, progressAt: now - 900, lastReceiveAt: now });
    expect(doubted([a, b])).toEqual(["a"]);
  });
  test("the slowest path's first report is waited for by its own round trip", () => {
    const slow = sub("slow", { inflight: 5, progressAt: now - 150, awaitingFirst: true, rtt: { srtt: 80, min: 60, samples: 3 } });
    const fast = sub("fast", { lastReceiveAt: now, rtt: { srtt: 30, min: 2, samples: 3 } });
    expect(doubted([slow, fast])).toEqual([]);
    expect(doubted([{ ...slow, progressAt: now - 250 }, fast])).toEqual(["slow"]);
  });
});
