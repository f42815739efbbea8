/**
 * Seeded fuzzing, a few seconds (test/fuzz/fuzz-lib.ts): the decoder, the listener's handshake and a
 * live session answer hostile bytes with typed errors only, within the handshake timeout, buffers
 * bounded. Long runs: `bun run fuzz [--seconds N] [--seed S]`.
 */
import { describe, expect, test } from "bun:test";
import { seededRandom } from "../helpers/memory-pipe.ts";
import { fuzzDecoder, fuzzHandshake, fuzzSession } from "./fuzz-lib.ts";

describe("fuzz (seeded)", () => {
  test("decoder: 3000 random and mutated streams in random chunks", () => {
    const errors = fuzzDecoder(seededRandom(7001), 3000);
    expect(errors).toBeGreaterThan(100); // the mutations do reach the error paths
    expect(errors).toBeLessThan(3000); // and valid streams decode
  });

  test("handshake: 300 pipes with mutated HELLOs all end, typed, within the timeout", async () => {
    for (const seed of [7002, 7003]) {
      const { rejected, opened } = await fuzzHandshake(seededRandom(seed), 150);
      expect(rejected + opened).toBeGreaterThan(0);
      expect(rejected).toBeGreaterThan(50);
    }
  }, 30_000);

  test("live session: hostile frames beside the session's own traffic", async () => {
    const outcomes: string[] = [];
    for (let seed = 7100; seed < 7108; seed++) outcomes.push(await fuzzSession(seededRandom(seed), 200));
    console.error(`fuzz session outcomes: ${outcomes.join(", ")}`);
    expect(outcomes.length).toBe(8);
  }, 60_000);
});
