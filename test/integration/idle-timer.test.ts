/**
 * The session timer runs fast only while something is pending (session-timer.ts): idle sessions tick
 * and ping IDLE_FACTOR times slower, yet a path that dies is still found — while idle with the idle
 * allowance, and under traffic right after waking as fast as ever (the stall rule).
 */
import { describe, expect, test } from "bun:test";
import { IDLE_FACTOR } from "../../src/core/session-timer.ts";
import { harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const MiB = 1 << 20;

describe("idle sessions", () => {
  test("an idle session slows its heartbeats; a write brings the fast cadence back at once", async () => {
    const h = harness([{ delayMs: 1 }], { heartbeatMs: 50 });
    const c = await h.open();
    await waitFor(() => c.idle && h.server.session?.idle === true, 5000, "both sides idle");
    const sub = c.subflows[0]!;
    const pinged = sub.lastPingAt;
    await Bun.sleep(150); // three fast heartbeats' worth
    expect(sub.lastPingAt).toBe(pinged);
    await waitFor(() => sub.lastPingAt !== pinged, 50 * IDLE_FACTOR * 3, "an idle heartbeat");
    expect(sub.state).toBe("up");
    c.write(new Uint8Array(1000));
    expect(c.idle).toBe(false);
    await waitFor(() => h.server.receivedBytes === 1000, 5000, "the bytes");
    await waitFor(() => c.idle, 5000, "idle again once acked");
    c.abort(5, "done");
  });

  test("a path that goes silent while idle is given up (with the idle allowance)", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 1 }], { heartbeatMs: 50, deadAfterMs: 200 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2 && c.idle, 5000, "2 idle subflows");
    h.unreachable.add(1);
    const victim = c.subflows.find((s) => s.label === "path1")!;
    h.links.get(1)![0]![0].blackhole();
    const t0 = Date.now();
    await waitFor(() => victim.state === "closed", 10_000, "the silent path given up");
    expect(victim.error?.message).toContain("silent");
    expect(Date.now() - t0).toBeLessThan(5000); // bound: deadAfter + 2 idle periods (~0.7 s) plus slack
    c.abort(5, "done");
  });

  test("a path cut just as traffic starts on an idle session is caught by the stall rule", async () => {
    const h = harness([{ delayMs: 2 }, { delayMs: 5 }], { chunkSize: 64 * 1024, deadAfterMs: 60_000, heartbeatMs: 100 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2 && c.idle, 5000, "2 idle subflows");
    const up = pattern(8 * MiB, 17);
    const writing = writeAll(h.client, up, 64 * 1024);
    await waitFor(() => h.server.receivedBytes > 2 * MiB, 20_000, "2 MiB");
    const victim = c.subflows.find((s) => s.label === "path1")!;
    h.unreachable.add(1);
    h.links.get(1)![0]![0].blackhole();
    await waitFor(() => victim.state === "closed", 20_000, "the cut path given up");
    expect(victim.error?.message).toContain("stalled"); // deadAfterMs is a minute away: only the stall rule
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
  }, 30_000);
});
