/** PeekedPipe (the --compat v0 listener's first-byte router) keeps the raw pipe's optional methods for v1 subflows. */
import { expect, test } from "bun:test";
import { PeekedPipe } from "../../src/compat/peeked-pipe.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";
import { PairPipe } from "../helpers/pair-pipe.ts";

test("writePair and detach pass through when the raw pipe has them, and are absent otherwise", async () => {
  const [a, b] = memoryPipePair();
  const got: Uint8Array[] = [];
  b.attach({ data: (v) => void got.push(v.slice()), drain() {}, end() {}, closed() {} });
  const raw = new PairPipe(a);
  const p = new PeekedPipe(raw);
  expect(p.writePair).toBeDefined();
  expect(p.detach).toBeUndefined(); // PairPipe has no detach
  p.writePair!(new Uint8Array([1, 2]), new Uint8Array([3, 4, 5]));
  expect(raw.bodies.length).toBe(1);
  await Bun.sleep(5);
  expect(Buffer.concat(got)).toEqual(Buffer.from([1, 2, 3, 4, 5]));
  const q = new PeekedPipe(memoryPipePair()[0]);
  expect(q.writePair).toBeUndefined();
  expect(q.detach).toBeDefined();
});

test("pauseReading and resumeReading pass through together when the raw pipe has them", () => {
  const calls: string[] = [];
  const [a] = memoryPipePair();
  const raw = Object.assign(a, { pauseReading: () => void calls.push("pause"), resumeReading: () => void calls.push("resume") });
  const p = new PeekedPipe(raw);
  p.pauseReading!();
  p.resumeReading!();
  expect(calls).toEqual(["pause", "resume"]);
  expect(new PeekedPipe(memoryPipePair()[0]).pauseReading).toBeUndefined();
});
