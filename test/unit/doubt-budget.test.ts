/** The duplicate budget of doubts (src/core/sender.ts): 5% of the bytes sent, 2 MiB to start. */
import { expect, test } from "bun:test";
import { withDefaults } from "../../src/core/options.ts";
import { DOUBT_CREDIT_START, DOUBT_SHARE, Sender } from "../../src/core/sender.ts";
import { Subflow } from "../../src/core/subflow.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";

function setup() {
  const subs = [0, 1].map(() => {
    const s = new Subflow(memoryPipePair({ highWaterMark: 1 << 30 })[0], () => performance.now());
    s.state = "up";
    return s;
  });
  const tx = new Sender(withDefaults({ chunkSize: 64 * 1024 }), {
    open: () => true,
    subflows: () => subs,
    order: () => subs,
    drain: () => {},
    release: () => {},
  });
  return { tx, subs };
}

test("sending earns credit at 5% of first sends; a doubt spends it; with none left a doubt resends nothing", () => {
  const { tx, subs } = setup();
  expect(tx.doubtCredit).toBe(DOUBT_CREDIT_START);
  tx.doubtCredit = 0;
  tx.write(new Uint8Array(1 << 20)); // the peer's initial window: 1 MiB goes out, first sends
  expect(tx.doubtCredit).toBeCloseTo((1 << 20) * DOUBT_SHARE, 0);
  const inflight = subs[0]!.inflight;
  expect(inflight).toBeGreaterThan(0);
  subs[0]!.doubt = true;
  expect(tx.penalize(subs[0]!)).toBe(inflight); // its bytes queued, then resent on the other subflow
  expect(tx.doubtCredit).toBeLessThan(0);
  subs[0]!.doubt = false;
  subs[1]!.doubt = true;
  expect(tx.penalize(subs[1]!)).toBe(-1); // budget spent: nothing resent
});
