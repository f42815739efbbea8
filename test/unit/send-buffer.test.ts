/** SendBuffer (src/core/send-buffer.ts): unacked frames, window, cumulative acks, reinjection. */
import { describe, expect, test } from "bun:test";
import { HEADER_SIZE } from "../../src/core/frame.ts";
import { type Segment, SendBuffer } from "../../src/core/send-buffer.ts";

type Sub = "a" | "b";

function frame(payload: number): Uint8Array {
  return new Uint8Array(HEADER_SIZE + payload);
}

/** The lowest unacknowledged frame that was sent, if any (what the sender would resend first). */
function oldestSent<S>(sb: SendBuffer<S>): Segment<S> | null {
  const seg = sb.segmentAt(sb.una);
  return seg !== null && seg.offset < sb.sentHigh ? seg : null;
}

/** Push frames of the given payload sizes. */
function filled(sizes: number[]): SendBuffer<Sub> {
  const sb = new SendBuffer<Sub>();
  for (const n of sizes) sb.push(frame(n), n);
  return sb;
}

/** Take `count` new frames and mark them sent on `sub` (as the session does). */
function sendN(sb: SendBuffer<Sub>, count: number, sub: Sub, limit = Infinity): Segment<Sub>[] {
  const out: Segment<Sub>[] = [];
  for (let i = 0; i < count; i++) {
    const s = sb.next(limit);
    if (s === null) break;
    s.sentOn = sub;
    s.sends++;
    out.push(s);
  }
  return out;
}

describe("SendBuffer", () => {
  test("push assigns consecutive offsets and keeps the frame", () => {
    const sb = new SendBuffer<Sub>();
    const f = frame(10);
    const s = sb.push(f, 10);
    expect(s).toMatchObject({ offset: 0, end: 10, sentOn: null, sends: 0, queued: false, owned: false });
    expect(s.frame).toBe(f);
    const t = sb.push(frame(5), 5, true);
    expect(t.offset).toBe(10);
    expect(t.end).toBe(15);
    expect(t.owned).toBe(true);
    expect(sb.nxt).toBe(15);
    expect(sb.una).toBe(0);
    expect(sb.bytes).toBe(15);
    expect(sb.hasPending).toBe(true);
    expect(sb.sentHigh).toBe(0);
  });

  test("next returns new frames in order and stops at the window limit", () => {
    const sb = filled([10, 10, 10]);
    expect(sb.next(25)!.offset).toBe(0);
    expect(sb.next(25)!.offset).toBe(10);
    expect(sb.sentHigh).toBe(20);
    expect(sb.next(25)).toBeNull(); // [20,30) ends beyond 25
    expect(sb.hasPending).toBe(true);
    expect(sb.next(30)!.offset).toBe(20); // end === limit is allowed
    expect(sb.next(Infinity)).toBeNull();
    expect(sb.hasPending).toBe(false);
    expect(sb.sentHigh).toBe(30);
  });

  test("ack is cumulative: whole frames are released in order, the callback sees each once", () => {
    const sb = filled([10, 10, 10]);
    sendN(sb, 3, "a");
    const acked: number[] = [];
    expect(sb.ack(15, (s) => acked.push(s.offset))).toBe(15);
    expect(acked).toEqual([0]); // [10,20) is only half acknowledged: kept
    expect(sb.una).toBe(15);
    expect(sb.bytes).toBe(15);
    expect(sb.ack(15, (s) => acked.push(s.offset))).toBe(0);
    expect(sb.ack(5, (s) => acked.push(s.offset))).toBe(0); // old ack
    expect(sb.ack(30, (s) => acked.push(s.offset))).toBe(15);
    expect(acked).toEqual([0, 10, 20]);
    expect(sb.bytes).toBe(0);
    expect(oldestSent(sb)).toBeNull();
  });

  test("an ack beyond nxt is clamped to nxt", () => {
    const sb = filled([10]);
    sendN(sb, 1, "a");
    expect(sb.ack(99, () => {})).toBe(10);
    expect(sb.una).toBe(10);
  });

  test("acking frames never sent skips them for sending", () => {
    const sb = filled([10, 10, 10]);
    sendN(sb, 1, "a");
    sb.ack(20, () => {});
    expect(sb.sentHigh).toBe(20);
    expect(sb.next(Infinity)!.offset).toBe(20);
  });

  test("oldestSent is the lowest unacknowledged sent frame", () => {
    const sb = filled([10, 10]);
    expect(oldestSent(sb)).toBeNull();
    sendN(sb, 2, "a");
    expect(oldestSent(sb)!.offset).toBe(0);
    sb.ack(10, () => {});
    expect(oldestSent(sb)!.offset).toBe(10);
  });

  test("reinjectFrom queues exactly the unacked frames in flight on that subflow", () => {
    const sb = filled([10, 10, 10, 10, 10]);
    const segs = [...sendN(sb, 1, "a"), ...sendN(sb, 1, "b"), ...sendN(sb, 2, "a")];
    expect(segs.map((s) => s.sentOn)).toEqual(["a", "b", "a", "a"]);
    sb.ack(10, () => {}); // frame 0 (on a) acknowledged
    expect(sb.reinjectFrom("a")).toBe(20);
    expect(sb.reinjectPending).toBe(2);
    expect(segs[2]!.sentOn).toBeNull();
    expect(segs[2]!.queued).toBe(true);
    expect(segs[1]!.sentOn).toBe("b");
    expect(segs[1]!.queued).toBe(false);
    expect(sb.reinjectFrom("a")).toBe(0); // nothing left on a
  });

  test("reinjections come first, in offset order, and ignore the window", () => {
    const sb = filled([10, 10, 10, 10]);
    sendN(sb, 3, "a");
    sb.reinjectFrom("a");
    const got = [sb.next(0), sb.next(0), sb.next(0)].map((s) => s!.offset);
    expect(got).toEqual([0, 10, 20]);
    expect(sb.reinjectPending).toBe(0);
    expect(sb.next(0)).toBeNull(); // new data still window-limited
    expect(sb.next(40)!.offset).toBe(30);
  });

  test("a queued frame acknowledged before it is resent is skipped", () => {
    const sb = filled([10, 10, 10]);
    sendN(sb, 3, "a");
    sb.reinjectFrom("a");
    sb.ack(20, () => {});
    expect(sb.next(Infinity)!.offset).toBe(20);
    expect(sb.next(Infinity)).toBeNull();
  });

  test("owned flag is kept on the segment handed to the ack callback", () => {
    const sb = new SendBuffer<Sub>();
    sb.push(frame(4), 4, true);
    sb.push(frame(4), 4);
    sendN(sb, 2, "a");
    const owned: boolean[] = [];
    sb.ack(8, (s) => owned.push(s.owned));
    expect(owned).toEqual([true, false]);
  });

  test("head compaction after more than 1024 acknowledged segments keeps everything consistent", () => {
    const sb = new SendBuffer<Sub>();
    const N = 3000;
    for (let i = 0; i < N; i++) sb.push(frame(1), 1);
    sendN(sb, 2000, "a");
    const internals = sb as unknown as { segs: unknown[]; head: number };
    let acked = 0;
    sb.ack(1000, () => acked++);
    expect(internals.head).toBe(1000); // not yet: head ≤ 1024
    expect(internals.segs.length).toBe(N);
    sb.ack(1600, () => acked++); // head 1600 > 1024 and more than half the array: compacted
    expect(acked).toBe(1600);
    expect(internals.head).toBe(0);
    expect(internals.segs.length).toBe(N - 1600);
    expect(sb.una).toBe(1600);
    expect(sb.sentHigh).toBe(2000);
    expect(oldestSent(sb)!.offset).toBe(1600);
    // unsent index survived compaction
    expect(sb.next(Infinity)!.offset).toBe(2000);
    // reinjection still finds the in-flight frames [1600, 2000)
    expect(sb.reinjectFrom("a")).toBe(400);
    expect(sb.next(0)!.offset).toBe(1600);
    // and acking the rest drains everything
    sendN(sb, 2000, "b");
    acked = 0;
    sb.ack(N, () => acked++);
    expect(acked).toBe(N - 1600);
    expect(sb.bytes).toBe(0);
    expect(sb.hasPending).toBe(false);
  });
});

describe("SendBuffer: doubt", () => {
  test("frames queued by a doubt and not resent yet go back to their subflow when it leaves doubt", () => {
    const b = new SendBuffer<string>();
    const frames = [0, 1, 2, 3].map(() => b.push(new Uint8Array(16 + 10), 10));
    for (let i = 0; i < 4; i++) b.next(Infinity)!.sentOn = i % 2 === 0 ? "a" : "b";
    expect(b.reinjectFrom("a", false)).toBe(20);
    expect(b.reinjectFrom("b", true)).toBe(20);
    expect(b.urgentPending).toBe(true); // b's frames came from a death
    const first = b.next(Infinity)!;
    expect(first.offset).toBe(0);
    first.sentOn = "c"; // resent
    expect(b.recall("a")).toBe(10); // offset 20 was not resent yet: back in flight on "a"
    expect(frames[2]!.sentOn).toBe("a");
    expect(frames[2]!.queued).toBe(false);
    expect(b.reinjectPending).toBe(2); // b's frames (urgent) stay queued
    expect(b.urgentPending).toBe(true);
  });
});
