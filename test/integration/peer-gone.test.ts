/**
 * Peer gone or network gone (src/core/peer-gone.ts), dialing side, over in-memory links: every path
 * lost, then re-dials answered by refusals or by a listener that no longer knows the session end the
 * session in seconds with an error that says which; re-dials that find no network keep it waiting for the
 * full grace period, and it survives when a path comes back.
 */
import { describe, expect, test } from "bun:test";
import { harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const killAll = (h: ReturnType<typeof harness>) => {
  for (const [a] of [...h.links.values()].flat()) a.kill(new Error("peer process killed"));
};

describe("peer gone vs network gone", () => {
  test("every re-dial refused (the host answers, nothing listens): the session ends in seconds, saying so", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 2 }], { graceMs: 30_000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    h.refusing.add(0);
    h.refusing.add(1);
    const t0 = Date.now();
    killAll(h);
    const err = await h.client.closed;
    expect(err?.message).toMatch(/^peer gone: every path was refused 3 times in a row/);
    expect((err as { code?: string }).code).toBe("EPEERGONE");
    expect(Date.now() - t0).toBeLessThan(10_000); // the grace period is 30 s
  });

  test("the listener the session was opened on answers UNKNOWN_SESSION (restarted): ends at once, saying so", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 2 }], { graceMs: 30_000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    h.restartListener();
    const t0 = Date.now();
    killAll(h);
    const err = await h.client.closed;
    expect(err?.message).toMatch(/^peer gone: \S+ no longer knows this session/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  test("refusals on one path only, the other unreachable (network trouble): the session waits, and survives", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 2 }], { graceMs: 30_000, chunkSize: 32 * 1024 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(2 << 20, 5);
    const writing = writeAll(h.client, up, 64 * 1024);
    h.refusing.add(0);
    h.unreachable.add(1);
    killAll(h);
    await new Promise((r) => setTimeout(r, 3000));
    expect(c.state).toBe("open");
    h.refusing.clear();
    h.unreachable.clear();
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
  });
});
