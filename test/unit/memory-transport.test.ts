/** The test-only memory transport: impairments and controls the compliance suite does not cover. */
import { describe, expect, test } from "bun:test";
import { TransportError } from "../../src/contract/errors.ts";
import { MemoryNetwork, memoryPipePair, memoryTransport } from "../helpers/memory-transport.ts";
import { Recorder, sleep, within } from "../helpers/pipe-recorder.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

function attached(...pipes: { attach(h: Recorder): void }[]): Recorder[] {
  return pipes.map((p) => {
    const r = new Recorder();
    p.attach(r);
    return r;
  });
}

describe("memoryPipePair", () => {
  test("connects two pipes with mirrored info", async () => {
    const [a, b] = memoryPipePair({ addresses: ["left", "right"] });
    const [ra, rb] = attached(a, b);
    a.write(bytes("to b"));
    b.write(bytes("to a"));
    await within(Promise.all([ra!.untilBytes(4), rb!.untilBytes(4)]), "delivery");
    expect(rb!.text()).toBe("to b");
    expect(ra!.text()).toBe("to a");
    expect(a.info).toEqual({ transport: "mem", local: "left", remote: "right" });
    expect(b.info).toEqual({ transport: "mem", local: "right", remote: "left" });
  });

  test("a view handed over is never touched again, even if the writer reuses its buffer", async () => {
    const [a, b] = memoryPipePair();
    const [, rb] = attached(a, b);
    const buf = bytes("first");
    a.write(buf);
    buf.fill(0);
    await within(rb!.untilBytes(5), "delivery");
    expect(rb!.text()).toBe("first");
  });

  test("delayMs and bytesPerSecond hold data back (lower bounds only)", async () => {
    const [a, b] = memoryPipePair({ delayMs: 50, bytesPerSecond: 1_000_000 });
    const [, rb] = attached(a, b);
    const t0 = performance.now();
    a.write(new Uint8Array(100_000)); // 100 ms at 1 MB/s + 50 ms latency
    await within(rb!.untilBytes(100_000), "delivery");
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  test("highWaterMark: write() returns false above it, drain() follows, queued counts undelivered bytes", async () => {
    const [a, b] = memoryPipePair({ highWaterMark: 4 });
    const [ra, rb] = attached(a, b);
    expect(a.write(bytes("abc"))).toBe(true);
    expect(a.write(bytes("defg"))).toBe(false);
    expect(a.queued).toBe(7);
    await within(ra!.nextDrain(), "drain");
    expect(a.queued).toBe(0);
    expect(rb!.text()).toBe("abcdefg");
  });

  test("chunkSplit re-chunks at random boundaries, reproducibly with a seed", async () => {
    const run = async (): Promise<number[]> => {
      const [a, b] = memoryPipePair({ chunkSplit: true, seed: 42 });
      const [, rb] = attached(a, b);
      for (let i = 0; i < 20; i++) a.write(new Uint8Array(1000).fill(i));
      await within(rb!.untilBytes(20_000), "delivery");
      expect(rb!.views.flatMap((v) => [...v]).every((x, i) => x === Math.floor(i / 1000))).toBe(true);
      return rb!.views.map((v) => v.length);
    };
    const first = await run();
    expect(first.length).toBeGreaterThan(20);
    expect(await run()).toEqual(first);
  });

  test("kill() closes both ends at once with the error", async () => {
    const [a, b] = memoryPipePair();
    const [ra, rb] = attached(a, b);
    a.write(bytes("lost"));
    const err = new TransportError("ECONNRESET", "cut");
    b.kill(err);
    expect(await within(ra!.whenClosed, "a closed")).toBe(err);
    expect(await within(rb!.whenClosed, "b closed")).toBe(err);
    expect(rb!.bytes).toBe(0);
    expect(a.write(bytes("x"))).toBe(false);
  });

  test("blackhole() stops delivery without closing; lifting it delivers the backlog", async () => {
    const [a, b] = memoryPipePair();
    const [ra, rb] = attached(a, b);
    a.blackhole();
    a.write(bytes("held"));
    b.write(bytes("back"));
    await sleep(50);
    expect(rb!.bytes + ra!.bytes).toBe(0);
    expect(a.queued).toBe(4);
    expect(ra!.closedCount + rb!.closedCount).toBe(0);
    b.blackhole(false);
    await within(Promise.all([ra!.untilBytes(4), rb!.untilBytes(4)]), "backlog");
    expect(rb!.text()).toBe("held");
    expect(ra!.text()).toBe("back");
  });
});

describe("memoryTransport", () => {
  test("listen names, EADDRINUSE, ECONNREFUSED and the pairs list", async () => {
    const network = new MemoryNetwork();
    const t = memoryTransport({ network });
    const l = await t.listen(new URL("mem://svc"), {}, (p) => p.attach(new Recorder()));
    expect(l.url.href).toBe("mem://svc");
    const dup = await t.listen(new URL("mem://svc"), {}, () => {}).catch((e: unknown) => e);
    expect((dup as TransportError).code).toBe("EADDRINUSE");
    const pipe = await t.dial(new URL("mem://svc"), {});
    expect(t.pairs.length).toBe(1);
    expect(t.pairs[0]![0]).toBe(pipe);
    pipe.abort();
    const other = memoryTransport({ network: new MemoryNetwork() });
    const refused = await other.dial(new URL("mem://svc"), {}).catch((e: unknown) => e);
    expect((refused as TransportError).code).toBe("ECONNREFUSED");
    await l.close();
  });

  test("dial timeoutMs rejects with ETIMEDOUT", async () => {
    const t = memoryTransport({ network: new MemoryNetwork(), dialDelayMs: 5_000 });
    const l = await t.listen(new URL("mem://"), {}, () => {});
    const err = await t.dial(l.url, { timeoutMs: 10 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("ETIMEDOUT");
    expect(t.pairs.length).toBe(0);
    await l.close();
  });
});
