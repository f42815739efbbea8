import { describe, expect, test } from "bun:test";
import { wantsRttSample } from "../../src/core/session-health.ts";

// The in-flight quota keeps two minimum RTTs of data (scheduler.ts): one PING answered late because our
// own loop was busy as the subflow came up must not set it for the whole session (issue 8).
describe("wantsRttSample: clean minimum-RTT probes", () => {
  test("a new subflow is pinged on its first ticks, then only on heartbeats", () => {
    expect(wantsRttSample({ rtt: { pings: 1 } })).toBe(true);
    expect(wantsRttSample({ rtt: { pings: 3 } })).toBe(true);
    expect(wantsRttSample({ rtt: { pings: 4 } })).toBe(false);
  });
});
