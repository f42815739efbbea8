/**
 * The receiver's ACK step (src/core/receiver.ts): 256 KiB (⅛ window) on ordinary paths, growing with the
 * in-order rate above ~1.4 Gbit/s up to 1 MiB, and back when the rate falls. A fake session host and a
 * fake clock; the ticks come every 10 ms as the session's timer gives them while data flows.
 */
import { describe, expect, test } from "bun:test";
import { ACK_INTERVAL_MS, MAX_ACK_STEP, Receiver } from "../../src/core/receiver.ts";

const KiB = 1024;
const MiB = 1 << 20;

function rig(recvWindow: number) {
  let clock = 0;
  let acks = 0;
  const rx = new Receiver<string>(recvWindow, {
    deliver: () => true,
    ended: () => {},
    best: () => "a",
    received: () => 0,
    control: () => {
      acks++;
      return true;
    },
    all: () => ["a"],
    now: () => clock,
  });
  let offset = 0;
  /** `ms` of traffic at `bytesPerMs` in 16 KiB frames, a tick every 10 ms; the ACKs sent meanwhile. */
  const run = (ms: number, bytesPerMs: number): number => {
    const before = acks;
    for (let t = 0; t < ms; t += 10) {
      let due = bytesPerMs * 10;
      while (due > 0) {
        const n = Math.min(16 * KiB, due);
        rx.onData("a", offset, new Uint8Array(n));
        offset += n;
        due -= n;
      }
      clock += 10;
      rx.tick(clock, 1000);
    }
    return acks - before;
  };
  return { rx, run };
}

describe("ACK step", () => {
  test("ordinary rates (2 × 200 Mbit/s) keep the 256 KiB step: one ACK per 256 KiB", () => {
    const { rx, run } = rig(16 * MiB);
    const acks = run(1000, 50_000); // 50 MB in a second
    expect(rx.ackStep).toBe(256 * KiB);
    // One per step, plus the ticks' acks for what was left over.
    expect(acks).toBeGreaterThan(50_000_000 / (256 * KiB));
    expect(acks).toBeLessThan(50_000_000 / (256 * KiB) + 110);
  });

  test("loopback rates grow it to MAX_ACK_STEP: far fewer ACKs for the same bytes", () => {
    const { rx, run } = rig(16 * MiB);
    run(50, 50_000);
    expect(rx.ackStep).toBe(256 * KiB);
    const acks = run(1000, 900_000); // 900 MB in a second (7.2 Gbit/s)
    expect(rx.ackStep).toBe(MAX_ACK_STEP);
    expect(acks).toBeLessThan(900_000_000 / MAX_ACK_STEP + 110);
    // In between, the step is the rate's ACK_INTERVAL_MS worth.
    run(100, 300_000);
    expect(rx.ackStep).toBeGreaterThan(256 * KiB);
    expect(Math.abs(rx.ackStep - 300_000 * ACK_INTERVAL_MS)).toBeLessThan(20 * KiB);
  });

  test("falls back to the 256 KiB step within a few ticks when the rate drops", () => {
    const { rx, run } = rig(16 * MiB);
    run(200, 900_000);
    expect(rx.ackStep).toBe(MAX_ACK_STEP);
    run(100, 20_000);
    expect(rx.ackStep).toBe(256 * KiB);
  });

  test("never above ⅛ of a small window, whatever the rate", () => {
    const { rx, run } = rig(1 * MiB);
    run(200, 900_000);
    expect(rx.ackStep).toBe(128 * KiB);
  });
});
