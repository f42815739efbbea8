/**
 * The Pipe/Transport contract (src/contract/pipe.ts, src/contract/transport.ts) as one suite every transport
 * runs from a three-line spec file:
 *
 *   import { transportCompliance } from "../transport-compliance.ts";
 *   import { tcpTransport } from "../../transports/tcp.ts";
 *   transportCompliance("tcp", async () => ({ transport: tcpTransport(), listenUrl: new URL("tcp://127.0.0.1:0") }));
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { TransportError } from "../src/contract/errors.ts";
import type { Pipe } from "../src/contract/pipe.ts";
import type { DialOptions, Listener, ListenOptions, Transport } from "../src/contract/transport.ts";
import { Recorder, sha256, sleep, testBytes, within, writeAll } from "./helpers/pipe-recorder.ts";

export interface ComplianceEnv {
  transport: Transport;
  /** Where to listen; port 0 (or an empty name) so each test gets a fresh address. */
  listenUrl: URL;
  dialOpts?: DialOptions;
  listenOpts?: ListenOptions;
  teardown?: () => Promise<void>;
}

const ODD_SIZES = [1, 7, 4093, 65_537, (1 << 20) + 3, 13, 300_007, 2];

export function transportCompliance(name: string, setup: () => Promise<ComplianceEnv>): void {
  describe(`transport compliance: ${name}`, () => {
    let env: ComplianceEnv;
    const cleanups: Array<() => unknown> = [];

    beforeAll(async () => {
      env = await setup();
    });
    afterAll(async () => {
      await env?.teardown?.();
    });
    afterEach(async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    });

    async function listen(onPipe: (pipe: Pipe) => void): Promise<Listener> {
      const listener = await env.transport.listen(env.listenUrl, env.listenOpts ?? {}, onPipe);
      cleanups.push(() => listener.close());
      return listener;
    }

    function dial(url: URL, extra: DialOptions = {}): Promise<Pipe> {
      return env.transport.dial(url, { ...env.dialOpts, ...extra });
    }

    /** A connected pair with recorders attached (unless `attachServer` is false). */
    async function connect(attachServer = true) {
      let accept!: (p: Pipe) => void;
      const accepted = new Promise<Pipe>((r) => (accept = r));
      const listener = await listen((p) => accept(p));
      const client = await within(dial(listener.url), "dial");
      const server = await within(accepted, "accept");
      cleanups.push(() => client.abort(), () => server.abort());
      const c = new Recorder();
      const s = new Recorder();
      client.attach(c);
      if (attachServer) server.attach(s);
      return { listener, client, server, c, s };
    }

    /** Both sides closed cleanly, exactly once, nothing after closed(). */
    async function expectCleanClose(...recs: Recorder[]): Promise<void> {
      for (const r of recs) expect(await within(r.whenClosed, "closed()")).toBeUndefined();
      await sleep(20);
      for (const r of recs) {
        expect(r.endCount).toBe(1);
        expect(r.closedCount).toBe(1);
        expect(r.callsAfterClosed).toBe(0);
        expect(r.dataAfterEnd).toBe(0);
      }
    }

    test("info fields are filled on both sides", async () => {
      const { client, server } = await connect();
      for (const p of [client, server]) {
        expect(p.info.transport.length).toBeGreaterThan(0);
        expect(p.info.local.length).toBeGreaterThan(0);
        expect(p.info.remote.length).toBeGreaterThan(0);
      }
    });

    test("32 MiB each way arrive byte-identical through odd-sized writes, with backpressure", async () => {
      const { client, server, c, s } = await connect();
      const up = testBytes(32 << 20, 11);
      const down = testBytes(32 << 20, 22);
      const [su, sd] = await Promise.all([
        writeAll(client, c, up, ODD_SIZES),
        writeAll(server, s, down, ODD_SIZES.slice().reverse()),
      ]);
      await within(Promise.all([s.untilBytes(up.length), c.untilBytes(down.length)]), "all bytes");
      client.close();
      server.close();
      await expectCleanClose(c, s);
      // The views were kept, not copied: the pipe must not have reused their memory.
      expect(s.bytes).toBe(up.length);
      expect(c.bytes).toBe(down.length);
      expect(s.hash()).toBe(sha256(up));
      expect(c.hash()).toBe(sha256(down));
      // Writing 32 MiB in a tight loop must hit backpressure; every false was followed by drain().
      for (const [st, rec] of [[su, c], [sd, s]] as const) {
        expect(st.falses).toBeGreaterThan(0);
        expect(st.maxQueued).toBeGreaterThan(0);
        expect(rec.drains).toBeGreaterThanOrEqual(st.falses);
      }
    });

    test("writePair (where offered): head then body in order, between plain writes, with backpressure", async () => {
      const { client, server, c, s } = await connect();
      if (client.writePair === undefined) return; // optional (src/contract/pipe.ts): the engine joins the two itself
      expect(typeof server.writePair).toBe("function");
      const data = testBytes(32 << 20, 44);
      let falses = 0;
      for (let off = 0, i = 0; off < data.length; i++) {
        const size = Math.min(ODD_SIZES[i % ODD_SIZES.length]!, data.length - off);
        const head = Math.min(16, size);
        const ok = i % 3 === 2
          ? client.write(data.subarray(off, off + size))
          : client.writePair(data.subarray(off, off + head), data.subarray(off + head, off + size));
        off += size;
        if (!ok) {
          falses++;
          await within(c.nextDrain(), "drain after writePair() returned false");
        }
      }
      await within(s.untilBytes(data.length), "all bytes");
      expect(s.hash()).toBe(sha256(data));
      expect(falses).toBeGreaterThan(0);
      client.close();
      server.close();
      await expectCleanClose(c, s);
    });

    test("pauseReading (where offered): reading stops until resumeReading, then every byte arrives", async () => {
      const { client, server, c, s } = await connect();
      if (server.pauseReading === undefined) return; // optional (src/contract/pipe.ts): decoded whole instead
      expect(typeof server.resumeReading).toBe("function");
      server.pauseReading();
      const data = testBytes(48 << 20, 55);
      for (let off = 0; off < data.length; off += 1 << 20) client.write(data.subarray(off, off + (1 << 20)));
      await sleep(300);
      expect(s.bytes).toBeLessThan(data.length); // held back (the kernel buffers some; "already read" may still come)
      server.resumeReading!();
      await within(s.untilBytes(data.length), "all bytes after resumeReading");
      expect(s.hash()).toBe(sha256(data));
      client.close();
      server.close();
      await expectCleanClose(c, s);
    });

    test("close() flushes everything queued before ending the write side", async () => {
      const { client, server, c, s } = await connect();
      const data = testBytes(16 << 20, 33);
      for (let off = 0; off < data.length; off += 65_536) client.write(data.subarray(off, off + 65_536));
      client.close();
      await within(s.whenEnded, "end() at the reader");
      expect(s.bytes).toBe(data.length);
      expect(s.hash()).toBe(sha256(data));
      server.close();
      await expectCleanClose(c, s);
    });

    test("data and end that arrive before attach are held and delivered on attach", async () => {
      const { client, server, c } = await connect(false);
      client.write(new TextEncoder().encode("early "));
      client.write(new TextEncoder().encode("bytes"));
      client.close();
      while (client.queued > 0) await sleep(5);
      await sleep(100); // let them arrive while nobody is attached (the test holds either way)
      const s = new Recorder();
      server.attach(s);
      await within(s.whenEnded, "held end()");
      expect(s.text()).toBe("early bytes");
      server.write(new TextEncoder().encode("late reply"));
      server.close();
      await expectCleanClose(c, s);
      expect(c.text()).toBe("late reply");
    });

    test("half-close: after close() a side still reads until the peer ends", async () => {
      const { client, server, c, s } = await connect();
      const a = testBytes(1 << 20, 44);
      const b = testBytes(3 << 20, 55);
      await writeAll(client, c, a, [100_003]);
      client.close();
      await within(s.whenEnded, "end() after client close()");
      expect(s.hash()).toBe(sha256(a));
      expect(c.closedCount).toBe(0);
      await writeAll(server, s, b, [77_777]);
      server.close();
      await expectCleanClose(c, s);
      expect(c.hash()).toBe(sha256(b));
    });

    test("abort(): the peer sees closed(err) or end(); closed() once on each side", async () => {
      const { client, server, c, s } = await connect();
      server.write(testBytes(4 << 20, 66)); // pending data in both directions
      client.write(testBytes(4 << 20, 77));
      const reason = new Error("test abort");
      client.abort(reason);
      expect(client.write(new Uint8Array(10))).toBe(false); // ignored, no throw
      const err = await within(c.whenClosed, "closed() after abort()");
      expect(err).toBeInstanceOf(Error);
      await within(Promise.race([s.whenClosed, s.whenEnded]), "peer notices the abort");
      if (!s.closedCount) server.close();
      await within(s.whenClosed, "peer closed()");
      await sleep(20);
      for (const r of [c, s]) {
        expect(r.closedCount).toBe(1);
        expect(r.callsAfterClosed).toBe(0);
      }
    });

    test("dial to a closed listener rejects with TransportError ECONNREFUSED", async () => {
      const listener = await listen(() => {});
      await listener.close();
      const err = await dial(listener.url).then(
        (p) => (p.abort(), null),
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TransportError);
      expect((err as TransportError).code).toBe("ECONNREFUSED");
    });

    test("a closed listener accepts nothing more; its pipes live on", async () => {
      const { listener, client, server, c, s } = await connect();
      await listener.close();
      await expect(dial(listener.url)).rejects.toBeInstanceOf(TransportError);
      client.write(new TextEncoder().encode("ping"));
      server.write(new TextEncoder().encode("pong"));
      client.close();
      server.close();
      await expectCleanClose(c, s);
      expect(s.text()).toBe("ping");
      expect(c.text()).toBe("pong");
    });

    test("several pipes on one listener keep their bytes apart", async () => {
      const recs: Recorder[] = [];
      const listener = await listen((p) => {
        const r = new Recorder();
        recs.push(r);
        p.attach(r);
        void r.whenEnded.then(() => p.close());
        cleanups.push(() => p.abort());
      });
      const payloads = [1, 2, 3, 4].map((i) => testBytes(256 * 1024 + i, 100 + i));
      const clients = await Promise.all(payloads.map(() => dial(listener.url)));
      const crecs = clients.map((p) => {
        const r = new Recorder();
        p.attach(r);
        cleanups.push(() => p.abort());
        return r;
      });
      await Promise.all(clients.map((p, i) => writeAll(p, crecs[i]!, payloads[i]!, [8191]).then(() => p.close())));
      await within(Promise.all(crecs.map((r) => r.whenClosed)), "all clients closed");
      expect(recs.length).toBe(payloads.length);
      await expectCleanClose(...recs, ...crecs);
      expect(recs.map((r) => r.hash()).sort()).toEqual(payloads.map((p) => sha256(p)).sort());
    });

    test("dial honours an AbortSignal (before and during the dial)", async () => {
      const accepted: Recorder[] = [];
      const listener = await listen((p) => {
        const r = new Recorder();
        accepted.push(r);
        p.attach(r);
        cleanups.push(() => p.abort());
      });
      const pre = new AbortController();
      pre.abort();
      const e1 = await dial(listener.url, { signal: pre.signal }).then(() => null, (e: unknown) => e);
      expect(e1).toBeInstanceOf(TransportError);
      expect((e1 as TransportError).code).toBe("ABORTED");

      const during = new AbortController();
      const pending = dial(listener.url, { signal: during.signal });
      during.abort();
      const e2 = await pending.then((p) => (p.abort(), null), (e: unknown) => e);
      expect(e2).toBeInstanceOf(TransportError);
      expect((e2 as TransportError).code).toBe("ABORTED");

      // The listener still works, and whatever the abandoned dial left at the server is closed.
      const ok = await within(dial(listener.url), "dial after aborted dials");
      const c = new Recorder();
      ok.attach(c);
      cleanups.push(() => ok.abort());
      ok.write(new TextEncoder().encode("hi"));
      await within(
        (async () => {
          while (!accepted.some((r) => r.bytes > 0)) await sleep(5);
        })(),
        "accepted pipe receives data",
      );
      const stray = accepted.filter((r) => r.bytes === 0);
      await within(Promise.all(stray.map((r) => r.whenClosed)), "stray accepted pipes closed");
    });
  });
}
