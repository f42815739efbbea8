/**
 * Long fuzz runs: `bun run fuzz [--seconds 60] [--seed N]`. Rounds of decoder, handshake and live-session
 * fuzzing (test/fuzz/fuzz-lib.ts) with consecutive seeds until the time is up; the first untyped error
 * or hang stops the run with its seed, so it can be replayed.
 */
import { seededRandom } from "../helpers/memory-pipe.ts";
import { fuzzDecoder, fuzzHandshake, fuzzSession } from "./fuzz-lib.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const seconds = opt("--seconds", 60);
let seed = opt("--seed", Date.now() % 1_000_000);
const until = Date.now() + seconds * 1000;
const totals = { rounds: 0, decoderErrors: 0, rejected: 0, opened: 0, sessions: 0 };
const HANG_MS = 30_000;

function deadline<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([p, Bun.sleep(HANG_MS).then(() => Promise.reject(new Error(`${what}: no result after ${HANG_MS} ms (hang)`)))]);
}

console.error(`fuzzing for ${seconds} s from seed ${seed}`);
while (Date.now() < until) {
  try {
    totals.decoderErrors += fuzzDecoder(seededRandom(seed), 500);
    const h = await deadline(fuzzHandshake(seededRandom(seed + 1), 100), "handshake");
    totals.rejected += h.rejected;
    totals.opened += h.opened;
    await deadline(fuzzSession(seededRandom(seed + 2), 300), "session");
    totals.sessions++;
  } catch (err) {
    console.error(`FAILED at seed ${seed}: ${err instanceof Error ? err.stack : err}`);
    process.exit(1);
  }
  totals.rounds++;
  seed += 3;
}
console.error(`ok: ${JSON.stringify(totals)}, next seed ${seed}`);
process.exit(0);
