/**
 * The common tail of the socket and WebSocket listeners: the server runs under the descriptor guard
 * (fd-guard.ts); with `--proxy-protocol` where the server cannot read the header itself, a front
 * (proxy-front.ts) takes the public address and the server sits on loopback behind it; one close()
 * (or the listen signal) stops both, leaving accepted pipes alive.
 */
import { fdPressure, GuardedServer } from "./fd-guard.ts";
import { type ProxyFront, proxyFront } from "./proxy-front.ts";
import type { UpgradeGate } from "./upgrade-gate.ts";
import { toTransportError } from "./socket-pipe.ts";
import type { ListenOptions } from "../src/contract/transport.ts";
import { PendingCount } from "../src/contract/pending-count.ts";

/** The pending count a listener counts its handshakes in: the server's when given, else its own. */
export function listenerCount(opts: ListenOptions): PendingCount {
  const max = opts.maxPending ?? 1024;
  return opts.pending ?? new PendingCount(max, opts.maxPendingPerAddr ?? max);
}

export interface Served {
  /** The public port (the front's, when there is one). */
  readonly port: number;
  readonly front: ProxyFront | null;
  close(): Promise<void>;
}

/**
 * `start()` binds the server (at loopback port 0 when `frontAt` is given) and `boundPort()` reports
 * the port it got; `frontAt` is the public address for the front.
 */
export function serveGuarded<S>(
  start: () => S,
  stop: (s: S) => void,
  boundPort: () => number,
  opts: ListenOptions,
  where: string,
  frontAt: { hostname: string; port: number } | null,
  gate: UpgradeGate | null = null,
): Served {
  let guard: GuardedServer<S>;
  try {
    guard = new GuardedServer(start, stop, (n, max) => opts.rejected?.(where, fdPressure(n, max)));
  } catch (err) {
    throw toTransportError(err, "ELISTEN", where);
  }
  let front: ProxyFront | null = null;
  if (frontAt) {
    try {
      front = proxyFront(frontAt.hostname, frontAt.port, boundPort(), opts, where, gate);
    } catch (err) {
      guard.close();
      throw err;
    }
  }
  let closed = false;
  const close = (): Promise<void> => {
    if (!closed) {
      closed = true;
      opts.signal?.removeEventListener("abort", close);
      front?.close();
      guard.close(); // stop accepting; pipes already accepted live on
    }
    return Promise.resolve();
  };
  opts.signal?.addEventListener("abort", close, { once: true });
  return { port: front ? front.port : boundPort(), front, close };
}
