/**
 * Session.write() without a copy (Sender.write): chunks of 16 KiB and more keep the caller's bytes as
 * their payload and go out as header + payload (Pipe.writePair); smaller ones are copied into one frame;
 * a pipe without writePair gets them joined. The stream arrives intact in every case, also when frames
 * are resent after a path goes silent, and with the redundant scheduler.
 */
import { describe, expect, test } from "bun:test";
import type { MemoryPipe } from "../helpers/memory-pipe.ts";
import { PairPipe } from "../helpers/pair-pipe.ts";
import { harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const MiB = 1 << 20;

function pairs(): { pipes: PairPipe[]; wrap: (p: MemoryPipe) => PairPipe } {
  const pipes: PairPipe[] = [];
  return { pipes, wrap: (p) => (pipes.push(new PairPipe(p)), pipes.at(-1)!) };
}

describe("Session.write without a copy", () => {
  test("big writes: the payloads handed to the pipes are views of the caller's bytes; small ones are copied", async () => {
    const { pipes, wrap } = pairs();
    const h = harness([{ delayMs: 1, wrap }, { delayMs: 2, wrap }], { chunkSize: 64 * 1024 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const small = pattern(1000, 5);
    c.write(small);
    await waitFor(() => h.server.receivedBytes === small.length, 20_000, "the small write");
    expect(pipes.reduce((n, p) => n + p.bodies.length, 0)).toBe(0);
    const up = pattern(4 * MiB, 6);
    await writeAll(h.client, up, 100_000);
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha([small, up]));
    const bodies = pipes.flatMap((p) => p.bodies);
    expect(bodies.length).toBeGreaterThan(60);
    expect(bodies.every((b) => b.buffer === up.buffer)).toBe(true);
    expect(pipes.every((p) => p.bodies.length > 0)).toBe(true);
  });

  test("a silent path's uncopied frames are resent on the other one; the stream arrives intact", async () => {
    const { pipes, wrap } = pairs();
    const h = harness([{ delayMs: 2, wrap }, { delayMs: 2, wrap }], { chunkSize: 64 * 1024, deadAfterMs: 60_000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(8 * MiB, 8);
    const writing = writeAll(h.client, up, 256 * 1024);
    await waitFor(() => h.server.receivedBytes > MiB && c.subflows.some((s) => s.label === "path1" && s.inflight > 0), 20_000, "1 MiB, data on path1");
    h.unreachable.add(1);
    pipes[1]!.inner.blackhole();
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(c.reinjectedBytes).toBeGreaterThan(0);
  });

  test("redundant scheduler, and a pipe without writePair (joined): intact", async () => {
    const { wrap } = pairs();
    const h = harness([{ delayMs: 1, wrap }, { delayMs: 3 }], { chunkSize: 64 * 1024, scheduler: "redundant" });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(2 * MiB, 10);
    await writeAll(h.client, up, 50_000);
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
  });
});
