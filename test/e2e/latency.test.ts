/**
 * The ping-pong tail stays short: 1-byte round trips through `bondcat -l -k --relay` to an echo server,
 * client `-x 2` on pipes, beside socat through the same kind of relay (bench/latency.ts holds the
 * numbers). The bound is loose on purpose: on the shared 2-core machine under load, a woken bondcat
 * process often waits for the next scheduler tick (4 ms) where a tiny socat does not, so only a
 * disaster fails here; the mechanisms behind the old stall (a byte waiting for the 10 ms ACK tick while
 * it pinned a 256 KiB stdin slot) have their own tests in test/integration/prompt-ack.test.ts.
 */
import { expect, test } from "bun:test";
import { percentile, pingPong } from "../../bench/latency-lib.ts";

const hasSocat = Bun.spawnSync(["sh", "-c", "command -v socat"]).exitCode === 0;
const PINGS = 500;
/**
 * Tries before failing. A CI run on a host stealing CPU had socat's own p99 at 9.7 and 4.7 ms (~0.3
 * normally) and bondcat's p50 at 1.4–2.5 ms (~0.2) in both of two tries: a starved minute, not a
 * regression. The bound stays; a disaster fails every try.
 */
const ATTEMPTS = 4;

test.skipIf(!hasSocat)(`${PINGS} × 1-byte ping-pong through a relay: p99 ≤ max(10 ms, 10 × socat's), ≤ 5% over 5 ms`, async () => {
  let ok = false;
  for (let attempt = 1; attempt <= ATTEMPTS && !ok; attempt++) {
    const socat = await pingPong("socat", "pipes", PINGS);
    const bondcat = await pingPong("bondcat", "pipes", PINGS);
    const over = (xs: number[]) => xs.filter((us) => us > 5000).length;
    const line = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(0)} p99 ${percentile(xs, 99).toFixed(0)} max ${xs.at(-1)!.toFixed(0)} µs, ${over(xs)} > 5 ms`;
    console.log(`attempt ${attempt}: socat ${line(socat)}; bondcat ${line(bondcat)}`);
    ok = percentile(bondcat, 99) <= Math.max(10_000, 10 * percentile(socat, 99)) && over(bondcat) <= over(socat) + PINGS / 20;
  }
  expect(ok).toBe(true);
}, 90_000);
