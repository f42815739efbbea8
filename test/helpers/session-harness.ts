/**
 * Two bonded sessions in one process over in-memory pipes: a client (PathManager) and a server
 * (Acceptor). Each path has its own link impairments; tests kill, blackhole and inspect subflows.
 */
import { createHash } from "node:crypto";
import { Acceptor } from "../../src/core/acceptor.ts";
import { TransportError } from "../../src/contract/errors.ts";
import { withDefaults, type SessionOptions } from "../../src/core/options.ts";
import { PathManager, type PathSpec } from "../../src/core/path-manager.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import type { Session, SessionEvents } from "../../src/core/session.ts";
import { memoryPipePair, type MemoryPairOptions, type MemoryPipe } from "./memory-pipe.ts";

export interface Endpoint {
  session: Session | null;
  received: Uint8Array[];
  receivedBytes: number;
  ended: boolean;
  closed: Promise<Error | undefined>;
  /** Set to pause delivery (data() returns false) until resumed. */
  paused: boolean;
  events: SessionEvents;
  drainCount: number;
  onDrain: (() => void) | null;
}

export function endpoint(): Endpoint {
  let done!: (e: Error | undefined) => void;
  const ep: Endpoint = {
    session: null,
    received: [],
    receivedBytes: 0,
    ended: false,
    closed: new Promise((r) => (done = r)),
    paused: false,
    drainCount: 0,
    onDrain: null,
    events: {
      data: (v) => {
        ep.received.push(v);
        ep.receivedBytes += v.length;
        return !ep.paused;
      },
      end: () => {
        ep.ended = true;
      },
      drain: () => {
        ep.drainCount++;
        ep.onDrain?.();
      },
      closed: (err) => done(err),
    },
  };
  return ep;
}

export interface Harness {
  client: Endpoint;
  server: Endpoint;
  acceptor: Acceptor;
  pm: PathManager;
  /** Every pipe pair made so far, per path index: [client side, server side]. */
  links: Map<number, [MemoryPipe, MemoryPipe][]>;
  /** Path indexes whose (re-)dials fail, as if the network were unreachable. */
  unreachable: Set<number>;
  /** Path indexes whose (re-)dials are refused, as by a host where nothing listens. */
  refusing: Set<number>;
  /** Replace the listener by a fresh one that knows no session (a restarted peer process). */
  restartListener(): void;
  open(): Promise<Session>;
}

export function harness(
  /** `wrap`: the client side's pipe as the session sees it (e.g. one that holds written views). */
  paths: (MemoryPairOptions & { backup?: boolean; wrap?: (pipe: MemoryPipe) => Pipe })[],
  opts: Partial<SessionOptions> = {},
  serverOpts: Partial<SessionOptions> = {},
): Harness {
  const o = withDefaults({ heartbeatMs: 200, ...opts });
  const client = endpoint();
  const server = endpoint();
  const links = new Map<number, [MemoryPipe, MemoryPipe][]>();
  const unreachable = new Set<number>();
  const refusing = new Set<number>();
  const newAcceptor = () =>
    new Acceptor(withDefaults({ ...o, ...serverOpts }), {
      session: () => server.events,
      opened: (s) => (server.session = s),
    });
  let acceptor = newAcceptor();
  const specs: PathSpec[] = paths.map((link, i) => ({
    label: `path${i}`,
    backup: link.backup ?? false,
    dial: async () => {
      if (unreachable.has(i)) throw new TransportError("ENETUNREACH", `path${i}: network unreachable`);
      if (refusing.has(i)) {
        throw new TransportError("ECONNREFUSED", `path${i}: connection refused`, { cause: Object.assign(new Error("refused"), { code: "ECONNREFUSED" }) });
      }
      const [a, b] = memoryPipePair({ ...link, addresses: [`c${i}`, `s${i}`] });
      const list = links.get(i) ?? [];
      list.push([a, b]);
      links.set(i, list);
      acceptor.accept(b);
      return link.wrap ? link.wrap(a) : a;
    },
  }));
  const pm = new PathManager(specs, o, {}, { minMs: 20, maxMs: 200 });
  return {
    client,
    server,
    acceptor,
    pm,
    links,
    unreachable,
    refusing,
    restartListener() {
      acceptor = newAcceptor();
      this.acceptor = acceptor;
    },
    async open() {
      const s = await pm.open(client.events);
      client.session = s;
      return s;
    },
  };
}

/** Deterministic pseudo-random bytes. */
export function pattern(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

export function sha(parts: Uint8Array[] | Uint8Array): string {
  const h = createHash("sha256");
  for (const p of Array.isArray(parts) ? parts : [parts]) h.update(p);
  return h.digest("hex");
}

/** Write all of `data` in `piece`-sized writes honouring backpressure, then end(). */
export function writeAll(ep: Endpoint, data: Uint8Array, piece = 100_000, end = true): Promise<void> {
  const s = ep.session!;
  let pos = 0;
  return new Promise((resolve) => {
    const go = () => {
      while (pos < data.length) {
        const n = Math.min(piece, data.length - pos);
        const ok = s.write(data.subarray(pos, pos + n));
        pos += n;
        if (!ok) return;
      }
      ep.onDrain = null;
      if (end) s.end();
      resolve();
    };
    ep.onDrain = go;
    go();
  });
}

export async function waitFor(cond: () => boolean, timeoutMs = 20_000, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
