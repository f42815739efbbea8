/**
 * ReadPacer + FrameDecoder.budget: at most FRAMES_PER_TURN frames per event-loop turn, the pipe paused
 * meanwhile and resumed once the backlog is through, nothing lost or reordered, the peer's end held
 * behind the bytes read before it; a pipe without pauseReading is decoded whole.
 */
import { expect, test } from "bun:test";
import { FrameDecoder, type FrameSink } from "../../src/core/decoder.ts";
import { FRAMES_PER_TURN, ReadPacer } from "../../src/core/read-pacer.ts";
import { FrameType, HEADER_SIZE, writeHeader } from "../../src/core/frame.ts";
import type { Pipe } from "../../src/contract/pipe.ts";

/** `count` PINGs with tokens 0…count-1, back to back. */
function pings(count: number): Uint8Array {
  const b = new Uint8Array(count * HEADER_SIZE);
  for (let i = 0; i < count; i++) writeHeader(b, i * HEADER_SIZE, FrameType.PING, 0, 0, 0, i);
  return b;
}

function setup(pausable: boolean) {
  const tokens: number[] = [];
  const sink: FrameSink = { onData() {}, onAck() {}, onFin() {}, onPing: (t) => void tokens.push(t), onPong() {}, onAbort() {} };
  const calls: string[] = [];
  const pipe = { ...(pausable ? { pauseReading: () => calls.push("pause"), resumeReading: () => calls.push("resume") } : {}) } as unknown as Pipe;
  const errors: unknown[] = [];
  const pacer = new ReadPacer(new FrameDecoder(sink), pipe, (e) => errors.push(e));
  return { tokens, calls, pacer, errors };
}

test("a read of more than FRAMES_PER_TURN frames is decoded over several turns, in order, the pipe paused meanwhile", async () => {
  const { tokens, calls, pacer } = setup(true);
  const n = FRAMES_PER_TURN * 2 + 100;
  const all = pings(n);
  pacer.push(all.subarray(0, all.length - 8)); // the last header split across reads
  expect(tokens.length).toBe(FRAMES_PER_TURN);
  expect(calls).toEqual(["pause"]);
  pacer.push(all.subarray(all.length - 8)); // arrived before the pause took effect: queued behind
  let ended = false;
  expect(pacer.after(() => (ended = true))).toBe(true);
  await new Promise((r) => setImmediate(r));
  expect(tokens.length).toBe(2 * FRAMES_PER_TURN);
  expect(ended).toBe(false);
  await new Promise((r) => setImmediate(r));
  expect(tokens.length).toBe(n);
  expect(tokens.every((t, i) => t === i)).toBe(true);
  expect(calls).toEqual(["pause", "resume"]);
  expect(ended).toBe(true);
  expect(pacer.after(() => {})).toBe(false); // nothing held any more: the caller goes on at once
});

test("without pauseReading a read is decoded whole", () => {
  const { tokens, pacer } = setup(false);
  pacer.push(pings(FRAMES_PER_TURN * 3));
  expect(tokens.length).toBe(FRAMES_PER_TURN * 3);
});

test("bad framing in the backlog is reported once and the rest dropped", async () => {
  const { tokens, pacer, errors } = setup(true);
  const bad = pings(FRAMES_PER_TURN + 10);
  bad[(FRAMES_PER_TURN + 5) * HEADER_SIZE] = 0x7f; // unknown frame type
  pacer.push(bad);
  await new Promise((r) => setImmediate(r));
  expect(tokens.length).toBe(FRAMES_PER_TURN + 5);
  expect(errors.length).toBe(1);
  expect(pacer.after(() => {})).toBe(false);
});
