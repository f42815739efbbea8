import { describe, expect, test } from "bun:test";
import { wantsRttSample } from "../../src/core/session-health.ts";

// The in-flight quota keeps two minimum RTTs of data (scheduler.ts): one PING answered late because our
// own loop was busy as the subflow came up must not set it for the whole session (issue 8).
describe("wantsRttSample: clean minimum-RTT probes", () => {
  test("a new subflow is pinged on its first ticks, busy or not", () => {
    expect(wantsRttSample({ rtt: { pings: 1 }, inflight: 4 << 20, lastPingAt: 990 }, 1000)).toBe(true);
    expect(wantsRttSample({ rtt: { pings: 3 }, inflight: 4 << 20, lastPingAt: 990 }, 1000)).toBe(true);
    expect(wantsRttSample({ rtt: { pings: 4 }, inflight: 4 << 20, lastPingAt: 990 }, 1000)).toBe(false);
  });

  test("later, only a quiet subflow (little in flight) is pinged, at most every 250 ms", () => {
    expect(wantsRttSample({ rtt: { pings: 9 }, inflight: 0, lastPingAt: 700 }, 1000)).toBe(true);
    expect(wantsRttSample({ rtt: { pings: 9 }, inflight: 0, lastPingAt: 800 }, 1000)).toBe(false);
    expect(wantsRttSample({ rtt: { pings: 9 }, inflight: 1 << 20, lastPingAt: 0 }, 1000)).toBe(false);
  });
});
