/**
 * Resending v0 frames the peer dropped unacknowledged (src/compat/v0/resend.ts), with a fake clock: a
 * frame overtaken by an acknowledged later one on the same subflow goes again at once; with no ack at
 * all for the timeout, the oldest few go again, backing off; nothing goes while acks keep coming.
 */
import { expect, test } from "bun:test";
import { RTO_MIN_MS, V0Resender, type ResendPort } from "../../src/compat/v0/resend.ts";

function rig() {
  let clock = 1000;
  let alive = true;
  const r = new V0Resender(() => alive, () => clock);
  const port = (name: string) => {
    const p = { name, usable: true, full: false, again: [] as number[], resend: (seq: number) => !p.full && p.again.push(seq) > 0 };
    return p as typeof p & ResendPort;
  };
  const body = new Uint8Array(8);
  return {
    r,
    port,
    body,
    at: (ms: number) => void (clock = ms),
    end: () => void (alive = false),
  };
}

test("a frame overtaken on its subflow by an acknowledged later one is sent again at once, on that subflow", () => {
  const { r, port, body, at } = rig();
  const a = port("a");
  const b = port("b");
  r.sent(10, body, a);
  at(1001);
  r.sent(11, body, b);
  at(1002);
  r.sent(12, body, a);
  at(1005);
  r.acked(12, a); // 10 went before 12 on a: dropped
  r.acked(11, b);
  r.check();
  expect(a.again).toEqual([10]);
  expect(b.again).toEqual([]);
  r.check(); // sent again just now: not overtaken any more
  expect(a.again).toEqual([10]);
  r.acked(10, a);
  r.stop();
});

test("no ack at all for the timeout: the oldest frames go again (at most 4), then back off", () => {
  const { r, port, body, at } = rig();
  const a = port("a");
  for (let seq = 10; seq < 16; seq++) r.sent(seq, body, a);
  at(1000 + RTO_MIN_MS - 1);
  r.check();
  expect(a.again).toEqual([]);
  at(1000 + RTO_MIN_MS);
  r.check();
  expect(a.again).toEqual([10, 11, 12, 13]);
  // The resent ones wait twice as long; the two left now go, as the next oldest.
  at(1000 + RTO_MIN_MS + 1);
  r.check();
  expect(a.again).toEqual([10, 11, 12, 13, 14, 15]);
  at(1000 + 3 * RTO_MIN_MS - 1);
  r.check();
  expect(a.again.length).toBe(6);
  at(1000 + 3 * RTO_MIN_MS);
  r.check();
  expect(a.again.slice(6)).toEqual([10, 11, 12, 13]);
  expect(r.resent).toBe(10);
  r.stop();
});

test("nothing is sent again while acks keep coming and no frame was overtaken", () => {
  const { r, port, body, at } = rig();
  const a = port("a");
  const b = port("b");
  r.sent(10, body, a);
  r.sent(11, body, b);
  for (let t = 1; t <= 20; t++) {
    at(1000 + t * 50);
    r.sent(11 + t, body, b);
    r.acked(11 + t - 1, b); // b delivers; frame 10 on a is slow (its reader is behind), not overtaken
    r.check();
  }
  expect(a.again).toEqual([]);
  r.stop();
});

test("a frame whose subflow cannot take it now stays due and goes at the next look", () => {
  const { r, port, body, at } = rig();
  const a = port("a");
  r.sent(10, body, a);
  a.full = true;
  at(1000 + RTO_MIN_MS);
  r.check();
  expect(a.again).toEqual([]);
  a.full = false;
  at(1000 + RTO_MIN_MS + 50);
  r.check();
  expect(a.again).toEqual([10]);
  expect(r.resent).toBe(1);
  r.stop();
});

test("a subflow that is gone is skipped (the engine moves its frames); the timer ends with the connection", () => {
  const { r, port, body, at, end } = rig();
  const a = port("a");
  r.sent(10, body, a);
  a.usable = false;
  at(5000);
  r.check();
  expect(a.again).toEqual([]);
  expect(r.pending).toBe(1);
  end();
  r.check();
  expect(r.pending).toBe(0); // the connection is over: nothing kept
  r.stop();
});
