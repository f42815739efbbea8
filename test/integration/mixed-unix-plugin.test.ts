/**
 * A third-party transport (Unix sockets, test/helpers/unix-transport.ts) registered next to the
 * built-ins: it passes the compliance suite, and carries a whole bonded session together with a
 * tcp:// subflow, through the engine (Acceptor + PathManager) and the registry.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Acceptor } from "../../src/core/acceptor.ts";
import { withDefaults } from "../../src/core/options.ts";
import { PathManager } from "../../src/core/path-manager.ts";
import type { Session, SessionEvents } from "../../src/core/session.ts";
import { TransportRegistry } from "../../src/paths/registry.ts";
import { builtinTransports } from "../../transports/index.ts";
import { transportCompliance } from "../transport-compliance.ts";
import { unixTransport } from "../helpers/unix-transport.ts";
import { concat, sha256, testBytes, within } from "../helpers/pipe-recorder.ts";

const dir = mkdtempSync(join(tmpdir(), "bondcat-unix-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

transportCompliance("unix (third-party plugin)", async () => ({ transport: unixTransport(), listenUrl: new URL(`unix://${dir}/compliance.sock`) }));

/** Session events that collect what arrives and report the end. */
function collector() {
  const views: Uint8Array[] = [];
  let resolveEnd!: () => void;
  let resolveClosed!: (e: Error | undefined) => void;
  let drainWaiter: (() => void) | undefined;
  const ended = new Promise<void>((r) => (resolveEnd = r));
  const closed = new Promise<Error | undefined>((r) => (resolveClosed = r));
  const events: SessionEvents = {
    data: (v) => (views.push(v.slice()), true),
    end: () => resolveEnd(),
    drain: () => {
      const w = drainWaiter;
      drainWaiter = undefined;
      w?.();
    },
    closed: (e) => resolveClosed(e),
  };
  const nextDrain = () => new Promise<void>((r) => (drainWaiter = r));
  return { views, ended, closed, events, nextDrain };
}

async function send(session: Session, data: Uint8Array, nextDrain: () => Promise<void>): Promise<void> {
  for (let off = 0; off < data.length; off += 256 * 1024) {
    if (!session.write(data.subarray(off, off + 256 * 1024))) await within(nextDrain(), "session drain");
  }
  session.end();
}

test("a bonded session over two unix:// subflows and one tcp:// subflow", async () => {
  const registry = new TransportRegistry([...builtinTransports(), unixTransport()]);
  expect(registry.schemes()).toContain("unix");
  const opts = withDefaults({});
  const server = collector();
  let serverSession: Session | undefined;
  const acceptor = new Acceptor(opts, {
    session: () => server.events,
    opened: (s) => (serverSession = s),
  });
  const sock = new URL(`unix://${dir}/bond.sock`);
  const listeners = [
    await registry.listen(sock, {}, (p) => acceptor.accept(p)),
    await registry.listen(new URL("tcp://127.0.0.1:0"), {}, (p) => acceptor.accept(p)),
  ];
  try {
    const urls = [sock, sock, listeners[1]!.url];
    const pm = new PathManager(
      urls.map((u, i) => ({ label: `${u.href} #${i}`, backup: false, dial: (signal: AbortSignal) => registry.dial(u, { signal }) })),
      opts,
    );
    const client = collector();
    const session = await within(pm.open(client.events), "session open");
    const up = testBytes(8 << 20, 5);
    const down = testBytes(6 << 20, 6);
    await within((async () => {
      while (!serverSession || session.subflows.length < 3) await Bun.sleep(10);
    })(), "three subflows up");
    expect(session.subflows.map((s) => s.info.transport).sort()).toEqual(["tcp", "unix", "unix"]);
    await Promise.all([
      send(session, up, client.nextDrain),
      send(serverSession as Session, down, server.nextDrain),
      within(server.ended, "server got the end"),
      within(client.ended, "client got the end"),
    ]);
    expect(await within(client.closed, "client closed")).toBeUndefined();
    expect(await within(server.closed, "server closed")).toBeUndefined();
    expect(sha256(concat(server.views))).toBe(sha256(up));
    expect(sha256(concat(client.views))).toBe(sha256(down));
  } finally {
    await Promise.all(listeners.map((l) => l.close()));
  }
});
