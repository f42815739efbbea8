/**
 * Failover within about a round trip (src/core/liveness.ts doubt rule) over in-memory links: bytes stuck on
 * a silent path are resent on a healthy one — however few, onto an idle path or a backup — without the
 * path being declared dead; application frames are never held by a live pipe once released; duplicates
 * stay rare on healthy, jittery links. Timing bounds are loose (the bench measures: bench/failover.ts).
 */
import { describe, expect, test } from "bun:test";
import { HEADER_SIZE } from "../../src/core/frame.ts";
import type { Pipe, PipeHandler } from "../../src/contract/pipe.ts";
import type { Subflow } from "../../src/core/subflow.ts";
import type { MemoryPipe } from "../helpers/memory-pipe.ts";
import { harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

const MiB = 1 << 20;

/**
 * A pipe that keeps written views (no copy) in its queue for a millisecond before handing them on, as a
 * socket pipe does with what the kernel did not take; once stuck (a silently cut link) it keeps them.
 * detach() copies them (Pipe.detach).
 */
class HoldingPipe implements Pipe {
  held: Uint8Array[] = [];
  stuck = false;
  private handler: PipeHandler | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private wantDrain = false;
  constructor(readonly inner: MemoryPipe) {}
  get info() {
    return this.inner.info;
  }
  get queued(): number {
    return this.inner.queued + this.held.reduce((n, v) => n + v.length, 0);
  }
  attach(h: PipeHandler): void {
    this.handler = h;
    this.inner.attach({ data: (v) => h.data(v), end: () => h.end(), closed: (e) => h.closed(e), drain: () => this.flush() });
  }
  write(bytes: Uint8Array): boolean {
    this.held.push(bytes);
    if (!this.timer && !this.stuck) this.timer = setTimeout(() => this.flush(), 1);
    if (this.queued < 256 * 1024) return true;
    this.wantDrain = true;
    return false;
  }
  private flush(): void {
    this.timer = null;
    if (this.stuck) return;
    for (const v of this.held.splice(0)) this.inner.write(v);
    if (this.wantDrain && this.inner.queued < 256 * 1024) {
      this.wantDrain = false;
      this.handler?.drain();
    }
  }
  detach(): void {
    this.held = this.held.map((v) => v.slice());
  }
  stick(): void {
    this.stuck = true;
    this.inner.blackhole();
  }
  close(): void {
    this.inner.close();
  }
  abort(err?: Error): void {
    this.held = [];
    this.inner.abort(err);
  }
  /** Whether a held view shares memory with `frame`. */
  holds(frame: Uint8Array): boolean {
    return this.held.some((v) => v.buffer === frame.buffer && v.byteOffset < frame.byteOffset + frame.length && frame.byteOffset < v.byteOffset + v.length);
  }
}

/** Write `data` as owned frames (writeFrame), honouring backpressure. */
function writeFrames(s: NonNullable<ReturnType<typeof harness>["client"]["session"]>, data: Uint8Array, piece: number, onDrain: (f: () => void) => void): Promise<void> {
  let pos = 0;
  return new Promise((resolve) => {
    const go = () => {
      while (pos < data.length) {
        const n = Math.min(piece, data.length - pos);
        const frame = new Uint8Array(HEADER_SIZE + n);
        frame.set(data.subarray(pos, pos + n), HEADER_SIZE);
        pos += n;
        if (!s.writeFrame(frame)) return;
      }
      s.end();
      resolve();
    };
    onDrain(go);
    go();
  });
}

describe("failover in about a round trip", () => {
  test("a silent path's frames are resent while it lives; no live pipe holds a frame once it is released", async () => {
    const pipes: HoldingPipe[] = [];
    const hold = (p: MemoryPipe) => (pipes.push(new HoldingPipe(p)), pipes.at(-1)!);
    const h = harness([{ delayMs: 2, wrap: hold }, { delayMs: 2, wrap: hold }], {
      chunkSize: 64 * 1024,
      deadAfterMs: 60_000,
    });
    const violations: string[] = [];
    const doubts: Subflow[] = [];
    h.client.events.release = (frame) => {
      if (pipes.some((p) => p.holds(frame))) violations.push(`frame of ${frame.length} bytes released while a live pipe holds it`);
      frame.fill(0xee); // the application reuses the memory at once
    };
    h.client.events.subflowDoubt = (sub) => doubts.push(sub);
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const victim = c.subflows.find((s) => s.label === "path1")!;
    const up = pattern(8 * MiB, 7);
    const writing = writeFrames(c, up, 64 * 1024, (f) => (h.client.onDrain = f));
    await waitFor(() => h.server.receivedBytes > MiB && victim.inflight > 0, 20_000, "1 MiB, data on path1");
    h.unreachable.add(1);
    pipes[1]!.stick();
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(doubts).toContain(victim);
    expect(violations).toEqual([]);
  });

  test("a few bytes stuck on a silent path while the other path is idle: resent at once, not after deadAfterMs", async () => {
    const h = harness([{ delayMs: 1 }, { delayMs: 4 }], { deadAfterMs: 60_000, heartbeatMs: 1000 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2 && c.subflows.every((s) => s.rtt.samples > 0), 20_000, "2 measured subflows");
    h.unreachable.add(0);
    h.links.get(0)![0]![0].blackhole();
    const t0 = Date.now();
    c.write(new TextEncoder().encode("a keystroke"));
    await waitFor(() => h.server.receivedBytes === 11, 20_000, "the keystroke");
    expect(Date.now() - t0).toBeLessThan(10_000); // deadAfterMs is 60 s; the bench measures the real figure
    expect(c.subflows.find((s) => s.label === "path0")?.doubt ?? true).toBe(true);
    c.end();
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
  });

  test("the only primary goes silent: the backup takes its frames and the stream at once", async () => {
    const h = harness([{ delayMs: 2 }, { delayMs: 2, backup: true }], { chunkSize: 64 * 1024, deadAfterMs: 60_000, heartbeatMs: 200 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const backup = c.subflows.find((s) => s.label === "path1")!;
    const up = pattern(8 * MiB, 9);
    const writing = writeAll(h.client, up, 64 * 1024);
    await waitFor(() => h.server.receivedBytes > 2 * MiB, 20_000, "2 MiB");
    h.unreachable.add(0);
    h.links.get(0)![0]![0].blackhole();
    await writing;
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(backup.bytesSent).toBeGreaterThan(4 * MiB);
  });

  test("healthy, jittery links: bytes sent twice stay under 5% of the stream", async () => {
    const link = { delayMs: 5, jitterMs: 25, bytesPerSecond: 40e6 };
    const h = harness([link, link], { chunkSize: 64 * 1024 });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(24 * MiB, 11);
    await writeAll(h.client, up, 64 * 1024);
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    expect(c.reinjectedBytes).toBeLessThan(0.05 * up.length);
  }, 60_000);
});
