/**
 * The process-wide memory budget (src/core/memory-budget.ts) in live sessions over memory subflows:
 * sessions charge what they buffer and give it back; under pressure the advertised window shrinks (the
 * peer sends less), near the cap a new OPEN is refused with EMEMORY, and the stream still arrives whole.
 */
import { describe, expect, test } from "bun:test";
import { Acceptor } from "../../src/core/acceptor.ts";
import { openSession } from "../../src/core/connect.ts";
import { HandshakeError } from "../../src/core/errors.ts";
import { MemoryBudget } from "../../src/core/memory-budget.ts";
import { withDefaults } from "../../src/core/options.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";
import { endpoint, harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const MiB = 1 << 20;

describe("memory budget", () => {
  test("under pressure the window shrinks; what a paused receiver holds is charged and given back", async () => {
    const budget = new MemoryBudget(12 * MiB);
    budget.charge(9 * MiB); // other sessions: 3 MiB left → window 8 MiB × 3/6 = 4 MiB
    const h = harness([{ delayMs: 1 }, { delayMs: 3, chunkSplit: true }], { recvWindow: 8 * MiB }, { budget });
    await h.open();
    h.server.paused = true;
    const data = pattern(12 * MiB, 7);
    const writing = writeAll(h.client, data);
    await waitFor(() => h.server.session !== null && h.server.session.rx.buffered > 2 * MiB, 20_000, "the server to hold data");
    await Bun.sleep(200);
    const server = h.server.session!;
    // The peer may only fill the shrunken window: far less than the configured 8 MiB.
    expect(server.advertisedLimit).toBeLessThanOrEqual(4 * MiB + 128 * 1024); // + the first piece, delivered before the pause
    expect(server.rx.buffered).toBeLessThanOrEqual(4 * MiB + 512 * 1024);
    expect(budget.used).toBeGreaterThan(9 * MiB + 2 * MiB);
    // Pressure gone, reader back: everything arrives, identical.
    budget.charge(-9 * MiB);
    h.server.paused = false;
    server.resume();
    await writing;
    await waitFor(() => h.server.receivedBytes === data.length, 30_000, "all data");
    expect(sha(h.server.received)).toBe(sha(data));
    h.client.session!.end();
    h.server.session!.end();
    await Promise.all([h.client.closed, h.server.closed]);
    expect(budget.used).toBe(0);
  }, 60_000);

  test("near the cap a new OPEN is refused with EMEMORY (REPLY REFUSED), below it accepted", async () => {
    const budget = new MemoryBudget(16 * MiB);
    const acc = new Acceptor(withDefaults({ budget }), { session: () => endpoint().events });
    budget.charge(15 * MiB);
    const [a, b] = memoryPipePair();
    acc.accept(b);
    const err = await openSession(a, withDefaults({}), endpoint().events).catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.code).toBe("EREFUSED");
    budget.charge(-15 * MiB);
    const [c, d] = memoryPipePair();
    acc.accept(d);
    const s = await openSession(c, withDefaults({}), endpoint().events);
    expect(s.state).toBe("open");
    s.abort(0, "done");
    acc.abortAll("done");
  });
});
