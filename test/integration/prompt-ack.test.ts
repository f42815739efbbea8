/**
 * Small writes are acknowledged on the next event-loop turn, not on the session's 10 ms tick (a byte
 * waiting for its ACK pinned a 256 KiB stdin slot: 36 pings later, a 5–10 ms stall). And the stdin
 * reader copies short reads out of its ring, so unacknowledged keystrokes never exhaust it; its shared
 * counters wrap modulo 2^32.
 */
import { expect, test } from "bun:test";
import { StdinReader } from "../../src/io/stdin-reader.ts";
import { harness, waitFor } from "../helpers/session-harness.ts";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("a small write is acknowledged on the receiver's next event-loop turn, not on its tick", async () => {
  const h = harness([{ delayMs: 0 }, { delayMs: 0 }]);
  const c = await h.open();
  await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
  // When the receiver gets a byte, look again on the next turn (setImmediate, before any timer): every
  // subflow that carried data has reported it in an ACK by then.
  const onTime: boolean[] = [];
  await waitFor(() => h.server.session !== null, 5_000, "server session");
  const s = h.server.session!;
  const onData = s.rx.onData.bind(s.rx);
  s.rx.onData = (via, offset, payload) => {
    onData(via, offset, payload);
    // The ACK round is queued right after this returns; look once it has run (the turn after).
    setImmediate(() => setImmediate(() => onTime.push(s.subflows.every((x) => x.dataReceived === x.reported))));
  };
  for (let i = 0; i < 50; i++) {
    c.write(new Uint8Array([i]));
    await waitFor(() => c.send.bytes === 0, 5_000, `ack of byte ${i}`);
  }
  expect(onTime).toHaveLength(50);
  expect(onTime.every(Boolean)).toBe(true);
  expect(h.server.receivedBytes).toBe(50);
  c.abort(0, "done");
});

test("short reads are copied out of the stdin ring: 20 unreleased keystrokes through a 2-slot ring", async () => {
  const [r, w] = pipeFds();
  const reader = new StdinReader(r, 64 * 1024, 16, 2);
  const got: Uint8Array[] = [];
  reader.acquire({ chunk: (f) => (got.push(f), true), end() {}, error(e) { throw e; } });
  for (let i = 0; i < 20; i++) {
    writeSync(w, new Uint8Array([0x30 + i]));
    await waitFor(() => got.length === i + 1, 5_000, `keystroke ${i}`); // never released
  }
  expect(got.map((f) => f[16])).toEqual(Array.from({ length: 20 }, (_, i) => 0x30 + i));
  expect(got.every((f) => f.length === 17)).toBe(true);
  reader.stop();
  closeSync(w);
  closeSync(r);
});

test("the ring's shared counters wrap past 2^31 without a hitch (a long-lived session reads forever)", async () => {
  const [r, w] = pipeFds();
  const reader = new StdinReader(r, 64 * 1024, 16, 2, 2 ** 31 - 5); // the wrap is 5 reads away
  const got: number[] = [];
  const frames: Uint8Array[] = [];
  reader.acquire({ chunk: (f) => (frames.push(f), got.push(f.length - 16), true), end() {}, error(e) { throw e; } });
  const big = new Uint8Array(32 * 1024); // above the copy limit: zero-copy slots, released in order
  for (let i = 0; i < 12; i++) {
    writeSync(w, big);
    await waitFor(() => got.reduce((a, n) => a + n, 0) === (i + 1) * big.length, 5_000, `read ${i}`);
    while (frames.length > 0) reader.release(frames.shift()!);
  }
  reader.stop();
  closeSync(w);
  closeSync(r);
});

test("the worker is woken only while it sleeps, and never misses a wake: a 2-slot ring, slow releases", async () => {
  // A 4 MiB file through a 2-slot ring whose frames are released a timer later: the worker fills the
  // ring and sleeps before nearly every release. A lost wakeup would show as a 1 s gap (its wait's timeout).
  const dir = mkdtempSync(join(tmpdir(), "bondcat-wake-"));
  const path = join(dir, "in");
  const chunk = 64 * 1024;
  const data = new Uint8Array(64 * chunk).map((_, i) => (i * 7) & 0xff);
  await Bun.write(path, data);
  const fd = openSync(path, "r");
  const reader = new StdinReader(fd, chunk, 16, 2);
  let bytes = 0;
  let chunks = 0;
  let sum = 0;
  let last = performance.now();
  let maxGap = 0;
  const done = Promise.withResolvers<void>();
  reader.acquire({
    chunk: (f) => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      for (let i = 16; i < f.length; i += 4096) sum += f[i]!;
      bytes += f.length - 16;
      chunks++;
      setTimeout(() => reader.release(f), 1);
      return true;
    },
    end: () => done.resolve(),
    error: (e) => done.reject(e),
  });
  await done.promise;
  let want = 0;
  for (let i = 0; i < data.length; i += 4096) want += data[i]!;
  expect(bytes).toBe(data.length);
  expect(sum).toBe(want);
  expect(maxGap).toBeLessThan(500); // loose: a lost wakeup costs 1000 ms
  expect(chunks).toBe(64);
  expect(reader.wakes).toBeGreaterThan(0); // it did sleep and was woken
  reader.stop();
  closeSync(fd);
  rmSync(dir, { recursive: true, force: true });
});

/** A pipe's read and write fds (through a FIFO: Bun has no pipe()). */
function pipeFds(): [number, number] {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-fifo-"));
  const path = join(dir, "p");
  Bun.spawnSync(["mkfifo", path]);
  const r = openSync(path, "r+"); // O_RDWR: opening does not wait for a writer
  const w = openSync(path, "w");
  rmSync(dir, { recursive: true, force: true });
  return [r, w];
}
