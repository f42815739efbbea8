/**
 * v0 frame numbers for engine DATA frames: new frames get the next number, a resend keeps its number,
 * and a resend of a frame the Go peer acknowledged already (the engine's doubt rule resends before it
 * has heard of that ack) is skipped instead of failing the session (found in a full-suite run: -b
 * against the Go listener, "engine resent offset …, which is no unacknowledged frame").
 */
import { expect, test } from "bun:test";
import { V0Connection } from "../../src/compat/v0/connection.ts";
import { withDefaults } from "../../src/core/options.ts";

test("resent frames keep their number; acknowledged ones are skipped; beyond the end is a bug", () => {
  const c = new V0Connection(new Uint8Array(16), withDefaults({}));
  const first = c.seqFor(0, 100)!;
  expect(c.seqFor(100, 50)).toBe(first + 1);
  expect(c.seqFor(0, 100)).toBe(first); // a resend keeps its number
  c.acked(first, { usable: true, resend: () => true });
  expect(c.seqFor(0, 100)).toBeNull(); // acknowledged: nothing to send again
  expect(c.seqFor(100, 50)).toBe(first + 1);
  expect(() => c.seqFor(500, 10)).toThrow(/beyond the stream's end/);
});
