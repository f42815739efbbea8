/**
 * Sessions over in-memory subflows with uneven delays, rate limits, jitter and random re-chunking;
 * subflows killed or silenced mid-stream. Output must equal input, byte for byte, both ways.
 */
import { describe, expect, test } from "bun:test";
import { Acceptor } from "../../src/core/acceptor.ts";
import { openSession } from "../../src/core/connect.ts";
import { HandshakeError, ProtocolError } from "../../src/core/errors.ts";
import { encodeAck } from "../../src/core/frame.ts";
import { withDefaults } from "../../src/core/options.ts";
import { Session } from "../../src/core/session.ts";
import { Subflow } from "../../src/core/subflow.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";
import { endpoint, harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const MiB = 1 << 20;

describe("bonded session over memory subflows", () => {
  test("uneven delays and re-chunking: 16 MiB each way arrive identical, heavily reordered", async () => {
    const h = harness(
      [
        { delayMs: 1, chunkSplit: true, seed: 1 },
        { delayMs: 8, jitterMs: 4, chunkSplit: true, seed: 2 },
        { delayMs: 25, jitterMs: 10, seed: 3 },
        { delayMs: 60, seed: 4 },
      ],
      { chunkSize: 64 * 1024 },
    );
    const c = await h.open();
    await waitFor(() => c.subflows.length === 4 && h.server.session !== null, 20_000, "4 subflows");
    const up = pattern(16 * MiB, 7);
    const down = pattern(16 * MiB, 8);
    await Promise.all([writeAll(h.client, up, 77_777), writeAll(h.server, down, 123_457)]);
    const [ec, es] = await Promise.all([h.client.closed, h.server.closed]);
    expect(ec).toBeUndefined();
    expect(es).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(sha(h.client.received)).toBe(sha(down));
    expect(h.server.ended && h.client.ended).toBe(true);
    // Data really travelled out of order: the receiver held segments for reassembly.
    expect(h.server.session!.reorder.peakBytes).toBeGreaterThan(0);
    expect(h.client.session!.reorder.peakBytes).toBeGreaterThan(0);
  });

  test("slow and fast paths: every path carries data, the fast one the most", async () => {
    const h = harness(
      [
        { bytesPerSecond: 40 * MiB, delayMs: 2 },
        { bytesPerSecond: 4 * MiB, delayMs: 20 },
      ],
      { chunkSize: 32 * 1024, sendBuffer: 4 * MiB },
    );
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const [fast, slow] = [...c.subflows].sort((a, b) => a.label.localeCompare(b.label));
    const up = pattern(24 * MiB, 3);
    await writeAll(h.client, up);
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(slow!.bytesSent).toBeGreaterThan(0);
    expect(fast!.bytesSent).toBeGreaterThan(slow!.bytesSent);
  });

  test("subflows killed mid-stream: their unacknowledged data is reinjected on the others", async () => {
    const h = harness(
      [{ delayMs: 2 }, { delayMs: 10, chunkSplit: true, seed: 5 }, { delayMs: 30 }, { delayMs: 5, jitterMs: 5, seed: 6 }],
      { chunkSize: 64 * 1024, deadAfterMs: 2000 },
    );
    const c = await h.open();
    await waitFor(() => c.subflows.length === 4, 20_000, "4 subflows");
    const up = pattern(32 * MiB, 11);
    const down = pattern(8 * MiB, 12);
    const writing = Promise.all([writeAll(h.client, up), writeAll(h.server, down)]);
    await waitFor(() => h.server.receivedBytes > 4 * MiB, 20_000, "4 MiB received");
    h.links.get(2)![0]![0].kill(new Error("cable cut")); // the slowest path, most data in flight
    await waitFor(() => h.server.receivedBytes > 12 * MiB, 20_000, "12 MiB received");
    h.links.get(1)![0]![1].kill(new Error("server side reset"));
    await writing;
    expect(await h.client.closed).toBeUndefined();
    expect(await h.server.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(sha(h.client.received)).toBe(sha(down));
    expect(c.reinjectedBytes).toBeGreaterThan(0);
    expect(c.stats().reinjectedBytes).toBe(c.reinjectedBytes);
  });

  test("a silent path (blackholed) is declared dead, its data reinjected, and the path re-dialed", async () => {
    const h = harness([{ delayMs: 3 }, { delayMs: 3 }], { chunkSize: 32 * 1024, deadAfterMs: 400, heartbeatMs: 100 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(8 * MiB, 21);
    const writing = writeAll(h.client, up, 50_000);
    await waitFor(() => h.server.receivedBytes > MiB, 10_000, "1 MiB");
    h.links.get(1)![0]![0].blackhole();
    await writing;
    await waitFor(() => (h.links.get(1)?.length ?? 0) >= 2, 10_000, "re-dial of the silent path");
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
  });

  test("a dead path's data is reinjected even when the live path is at its quota (a hole blocks the acks)", async () => {
    // The slow path's frames lag; meanwhile the fast path's later bytes arrive but cannot be acked past the
    // hole, so its in-flight count sits at its quota. Reinjection must still go out on it.
    const h = harness([{ delayMs: 1 }, { delayMs: 250 }], { chunkSize: 64 * 1024, deadAfterMs: 600, heartbeatMs: 100 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(8 * MiB, 81);
    const writing = writeAll(h.client, up, 64 * 1024);
    await waitFor(() => c.subflows.some((s) => s.label === "path1" && s.inflight > 0), 10_000, "data on the slow path");
    // With acks on the next event-loop turn the fast path's own in-flight stays small; what piles up is
    // the send buffer behind the hole (cumulative acks stop there), up to what the writer may queue.
    await waitFor(() => c.send.bytes >= MiB && c.subflows.some((s) => s.label === "path0" && s.dataSent >= MiB), 10_000, "fast path's bytes waiting behind the hole");
    h.unreachable.add(1); // no re-dial rescues it: the fast path must take the hole
    h.links.get(1)![0]![0].blackhole();
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(c.reinjectedBytes).toBeGreaterThan(0);
  });

  test("a silently cut path is given up within about a second (stalled while the other path delivers)", async () => {
    // deadAfterMs is far away: only the relative stall rule can catch it in time.
    const h = harness([{ delayMs: 2 }, { delayMs: 5 }], { chunkSize: 64 * 1024, deadAfterMs: 60_000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    let stalled = "";
    const up = pattern(16 * MiB, 91);
    const writing = writeAll(h.client, up, 64 * 1024);
    await waitFor(() => h.server.receivedBytes > 2 * MiB, 20_000, "2 MiB");
    const victim = c.subflows.find((s) => s.label === "path1")!;
    h.unreachable.add(1);
    h.links.get(1)![0]![0].blackhole();
    const t0 = Date.now();
    await waitFor(() => victim.state === "closed", 20_000, "the cut path given up");
    stalled = victim.error?.message ?? "";
    const took = Date.now() - t0;
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(stalled).toContain("stalled");
    expect(took).toBeLessThan(20_000); // (the bench, not this test, measures how fast: ~0.3–1 s)
  });

  test("every path down for a while: the session survives and finishes over re-dialed paths", async () => {
    const h = harness([{ delayMs: 2 }, { delayMs: 4 }], { chunkSize: 32 * 1024, graceMs: 10_000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(4 * MiB, 31);
    const writing = writeAll(h.client, up, 64 * 1024);
    await waitFor(() => h.server.receivedBytes > MiB, 10_000, "1 MiB");
    for (const [a] of [...h.links.values()].flat()) a.kill(new Error("all down"));
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(h.links.get(0)!.length + h.links.get(1)!.length).toBeGreaterThan(2);
  });

  test("redundant scheduler: paths carry copies of the stream; losing one mid-stream needs no reinjection", async () => {
    const h = harness([{ delayMs: 2 }, { delayMs: 15, jitterMs: 5, seed: 71 }, { delayMs: 6 }], {
      chunkSize: 64 * 1024,
      scheduler: "redundant",
    });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 3, 20_000, "3 subflows");
    const up = pattern(8 * MiB, 72);
    const writing = writeAll(h.client, up, 100_000);
    await waitFor(() => h.server.receivedBytes > 2 * MiB, 10_000, "2 MiB");
    const survivors = c.subflows.filter((s) => s.label !== "path2");
    h.links.get(2)![0]![0].kill(new Error("path lost"));
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(c.reinjectedBytes).toBe(0);
    // Paths carried copies: together far more than the stream itself (a slow path skips what the
    // fast one already delivered, so it need not send everything).
    const total = survivors.reduce((a, s) => a + s.bytesSent, 0);
    expect(total).toBeGreaterThan(1.1 * up.length);
    for (const s of survivors) expect(s.bytesSent).toBeGreaterThan(0);
    expect(h.server.session!.reorder.duplicateBytes).toBeGreaterThan(0);
  });

  test("a JOIN that overtakes the OPEN's proof (faster path) waits for it instead of being refused", async () => {
    // path0 OPENs (30 ms each way); the client JOINs path1 (no delay) right after sending its proof, so
    // the JOIN reaches the listener ~30 ms before the proof that creates the session.
    const h = harness([{ delayMs: 30 }, { delayMs: 0 }]);
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 5_000, "the JOIN on the fast path");
    expect(h.links.get(1)!.length).toBe(1); // joined on its first dial, not after a refusal and re-dial
    c.end();
    await waitFor(() => h.server.session !== null, 5_000, "server session");
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
  });

  test("a backup path carries no data while a primary is up, and everything once none is", async () => {
    const h = harness([{ delayMs: 2 }, { delayMs: 1, backup: true }], { chunkSize: 64 * 1024 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const backup = c.subflows.find((s) => s.label === "path1")!;
    const primary = c.subflows.find((s) => s.label === "path0")!;
    expect(backup.backup).toBe(true);
    const first = pattern(4 * MiB, 101);
    await writeAll(h.client, first, 64 * 1024, false);
    await waitFor(() => h.server.receivedBytes === first.length, 20_000, "first 4 MiB");
    expect(backup.bytesSent).toBe(0); // faster, but a backup: idle while the primary is up
    expect(primary.bytesSent).toBe(first.length);
    h.unreachable.add(0);
    h.links.get(0)![0]![0].kill(new Error("primary down"));
    const second = pattern(4 * MiB, 102);
    await writeAll(h.client, second, 64 * 1024);
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha([first, second]));
    expect(backup.bytesSent).toBeGreaterThanOrEqual(second.length);
  });

  test("half-close: the client ends first and still receives the server's reply", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 5 }]);
    const c = await h.open();
    c.write(new TextEncoder().encode("hello"));
    c.end();
    await waitFor(() => h.server.ended, 20_000, "server sees EOF");
    expect(new TextDecoder().decode(Buffer.concat(h.server.received))).toBe("hello");
    const reply = pattern(2 * MiB, 41);
    await writeAll(h.server, reply);
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.client.received)).toBe(sha(reply));
  });

  test("backpressure: a paused receiver stops the writer, memory stays bounded, nothing is lost", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 2 }], { chunkSize: 64 * 1024, sendBuffer: 2 * MiB, recvWindow: MiB });
    const c = await h.open();
    await waitFor(() => h.server.session !== null, 20_000, "server session");
    h.server.paused = true;
    const up = pattern(12 * MiB, 51);
    let done = false;
    const writing = writeAll(h.client, up, 256 * 1024).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(done).toBe(false);
    expect(c.send.bytes).toBeLessThanOrEqual(2 * MiB + 256 * 1024);
    expect(h.server.receivedBytes).toBeLessThanOrEqual(MiB + 64 * 1024);
    h.server.paused = false;
    const s = h.server.session!;
    // Resume repeatedly: each delivery may pause again only if `paused` is set.
    s.resume();
    await writing;
    s.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
  });

  test("the window announced when a subflow joins is in force at once, before any timer runs", () => {
    const [a] = memoryPipePair();
    const events = endpoint().events;
    const s = new Session(new Uint8Array(16), new Uint8Array(32), "server", withDefaults({ recvWindow: 16 * MiB }), events);
    s.addSubflow(new Subflow(a, () => performance.now()));
    // The ACK just sent allows the peer 16 MiB; data up to there must be accepted.
    expect(s.advertisedLimit).toBe(16 * MiB);
    s.abort(0, "test over");
  });

  test("peer abort reaches the other side as an error", async () => {
    const h = harness([{ delayMs: 1 }]);
    const c = await h.open();
    await waitFor(() => h.server.session !== null, 20_000, "server session");
    h.server.session!.abort(5, "application gave up");
    const err = await h.client.closed;
    expect(err?.message).toContain("application gave up");
    expect(c.state).toBe("closed");
  });

  test("a peer that breaks a session rule (ack beyond the data) ends the session with ABORT(PROTOCOL)", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 1 }]);
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2 && h.server.session !== null, 20_000, "2 subflows");
    // Forge an ACK from the server's side of path 0 for bytes the client never sent.
    h.links.get(0)![0]![1].write(encodeAck(1_000_000, 2_000_000, false, 0));
    const [ec, es] = await Promise.all([h.client.closed, h.server.closed]);
    expect(ec).toBeInstanceOf(ProtocolError);
    expect((ec as ProtocolError).code).toBe("EACK");
    expect(es?.message).toContain("ack 1000000 beyond data sent");
  });

  test("a listener that admits no more sessions refuses the OPEN with a reason", async () => {
    const [a, b] = memoryPipePair();
    const acc = new Acceptor(withDefaults({}), { admit: () => false, session: () => endpoint().events });
    acc.accept(b);
    const err = await openSession(a, withDefaults({}), endpoint().events).catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.code).toBe("EREFUSED");
  });

  test("a wrong pre-shared secret fails the handshake with EAUTH", async () => {
    const h = harness([{ delayMs: 1 }], { secret: "client-secret" }, { secret: "server-secret" });
    const err = await h.open().catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.code).toBe("EAUTH");
  });

  test("a dialer without the secret is refused with AUTH_REQUIRED, saying a secret is needed", async () => {
    const h = harness([{ delayMs: 1 }], {}, { secret: "server-secret" });
    const err = await h.open().catch((e) => e);
    expect(err).toBeInstanceOf(HandshakeError);
    expect(err.code).toBe("EAUTH");
    expect(err.message).toContain("requires a pre-shared secret");
  });

  test("a matching pre-shared secret works", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 1 }], { secret: "s3cret" });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows joined with the secret");
    c.end();
    h.server.session?.end();
    await waitFor(() => h.server.session !== null, 20_000, "server");
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
  });
});
