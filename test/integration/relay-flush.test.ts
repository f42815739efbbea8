/**
 * A relay whose target never takes the last bytes: after a clean session end the side waits at most
 * flushTimeoutMs, then reports the loss (failed() → exit 1 in the CLI) instead of a clean end.
 */
import { expect, test } from "bun:test";
import type { SessionHandle } from "../../src/api/index.ts";
import { RelaySide } from "../../src/modes/relay.ts";

test("target that stops reading: the flush times out and failed() names the bytes left", async () => {
  // A target that accepts and never reads: the kernel's buffers fill, then the relay queues.
  const target = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { open: (s) => s.pause(), data() {} } });
  try {
    const session = { state: "open", resume() {}, end() {}, abort() {}, write: () => true } as unknown as SessionHandle;
    const relay = new RelaySide({ host: "127.0.0.1", port: target.port, label: "target", flushTimeoutMs: 300 });
    relay.start(session);
    await Bun.sleep(200); // connected
    const chunk = new Uint8Array(1 << 20);
    let queued = false;
    for (let i = 0; i < 256 && !queued; i++) queued = !relay.data(chunk);
    expect(queued).toBe(true);
    relay.end();
    const t0 = performance.now();
    await relay.close();
    expect(performance.now() - t0).toBeGreaterThanOrEqual(250);
    expect(relay.failed()?.message).toMatch(/relay target target: \d+ bytes not taken in 0.3 s/);
  } finally {
    target.stop(true);
  }
});

test("a target that takes everything: no failure after a clean end", async () => {
  const target = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const session = { state: "open", resume() {}, end() {}, abort() {}, write: () => true } as unknown as SessionHandle;
    const relay = new RelaySide({ host: "127.0.0.1", port: target.port, label: "target", flushTimeoutMs: 5000 });
    relay.start(session);
    await Bun.sleep(200);
    relay.data(new Uint8Array(4 << 20));
    relay.end();
    await relay.close();
    expect(relay.failed()).toBeUndefined();
  } finally {
    target.stop(true);
  }
});
