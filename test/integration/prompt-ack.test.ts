/**
 * Small writes are acknowledged on the next event-loop turn, not on the session's 10 ms tick (a byte
 * waiting for its ACK pinned a 256 KiB stdin slot: 36 pings later, a 5–10 ms stall). And the stdin
 * reader copies short reads out of its ring, so unacknowledged keystrokes never exhaust it.
 */
import { expect, test } from "bun:test";
import { StdinReader } from "../../src/io/stdin-reader.ts";
import { harness, waitFor } from "../helpers/session-harness.ts";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

test("200 one-byte writes, each waited for until acknowledged: the ACK does not wait for the tick", async () => {
  const h = harness([{ delayMs: 0 }, { delayMs: 0 }]);
  const c = await h.open();
  await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    c.write(new Uint8Array([i]));
    const t = performance.now();
    while (c.send.bytes !== 0) {
      if (performance.now() - t > 5_000) throw new Error(`no ack for byte ${i}`);
      await new Promise((r) => setImmediate(r));
    }
  }
  const perWrite = (performance.now() - t0) / 200;
  console.log(`1-byte write → ACK: ${perWrite.toFixed(2)} ms on average`);
  // Memory pipes deliver through timers (~1 ms a hop, more under load): ~4–7 ms with the ACK on the next
  // turn, ~18 ms when it waits for the 10 ms tick (measured).
  expect(perWrite).toBeLessThan(10);
  expect(h.server.receivedBytes).toBe(200);
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
