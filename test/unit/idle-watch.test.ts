/**
 * IdleWatch (src/cli/idle.ts) with an injected clock: unit tests living next to the idle e2e tests
 * (they could move to test/unit). The session is a stand-in exposing only what the watch reads.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { SessionHandle } from "../../src/api/index.ts";
import { IdleWatch } from "../../src/cli/idle.ts";

interface FakeSession {
  state: string;
  sendFinished: boolean;
  bytesMoved: number;
}

let clock = 0;
const watches: IdleWatch[] = [];
afterEach(() => {
  for (const w of watches.splice(0)) w.stop();
});

function setup(o: { timeoutMs: number; graceMs?: number; maxGraceMs?: number }) {
  const s: FakeSession = { state: "open", sendFinished: false, bytesMoved: 0 };
  const calls: string[] = [];
  clock = 0;
  const w = new IdleWatch(s as unknown as SessionHandle, { ...o, now: () => clock }, {
    idle: () => calls.push(`idle@${clock}`),
    expired: () => calls.push(`expired@${clock}`),
  });
  watches.push(w);
  return { s, w, calls, at: (t: number) => ((clock = t), w.check()) };
}

describe("IdleWatch", () => {
  test("fires once after the timeout without data, then expires once our FIN is acked and the grace passed", () => {
    const { s, w, calls, at } = setup({ timeoutMs: 1000, graceMs: 300, maxGraceMs: 3000 });
    at(999);
    expect(calls).toEqual([]);
    at(1000);
    expect(calls).toEqual(["idle@1000"]);
    expect(w.fired).toBe(true);
    at(1200);
    at(1400); // grace passed but FIN not acknowledged yet
    expect(calls).toEqual(["idle@1000"]);
    s.sendFinished = true;
    at(1401);
    expect(calls).toEqual(["idle@1000", "expired@1401"]);
    at(5000);
    expect(calls).toHaveLength(2);
  });

  test("data either way restarts the clock", () => {
    const { s, calls, at } = setup({ timeoutMs: 1000 });
    at(900);
    s.bytesMoved += 10; // we sent
    at(950);
    at(1900);
    expect(calls).toEqual([]);
    s.bytesMoved += 5; // we received
    at(1940);
    at(2900);
    expect(calls).toEqual([]);
    at(2940);
    expect(calls).toEqual(["idle@2940"]);
  });

  test("a peer that never acknowledges: expired after maxGraceMs anyway", () => {
    const { calls, at } = setup({ timeoutMs: 500, graceMs: 100, maxGraceMs: 2000 });
    at(500);
    at(2499);
    expect(calls).toEqual(["idle@500"]);
    at(2500);
    expect(calls).toEqual(["idle@500", "expired@2500"]);
  });

  test("a session that closed (the peer finished too) is left alone", () => {
    const { s, calls, at } = setup({ timeoutMs: 500 });
    at(500);
    s.state = "closed";
    at(5000);
    expect(calls).toEqual(["idle@500"]);
  });
});
