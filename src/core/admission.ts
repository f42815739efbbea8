/**
 * What a listener lets strangers hold (docs/SECURITY.md): pipes still in their handshake and sessions,
 * in total and per source address. Counts only; the acceptor decides what to do with a "no".
 * Per-address defaults are generous: behind NAT, a load balancer or a WebSocket reverse proxy, many
 * legitimate clients share one source address.
 */
import { PendingCount, plainAddress } from "../contract/pending-count.ts";

export interface AcceptLimits {
  /** A pipe must finish its handshake this long after the transport accepted it (TLS included; WS: from the upgrade request). */
  handshakeMs: number;
  /** Pipes in their handshake at once, all sources together / from one source address. */
  maxPending: number;
  maxPendingPerAddr: number;
  /** Sessions open (or opening) at once, all sources together / opened from one source address. */
  maxSessions: number;
  maxSessionsPerAddr: number;
  /** A refused pipe (REPLY with a refusal, then close) is aborted this long after, if still open. */
  refusedLingerMs: number;
}

export const DEFAULT_ACCEPT_LIMITS: AcceptLimits = {
  handshakeMs: 10_000,
  maxPending: 1024,
  maxPendingPerAddr: 256,
  maxSessions: 1024,
  maxSessionsPerAddr: 256,
  refusedLingerMs: 1000,
};

/**
 * "203.0.113.7:5000" → "203.0.113.7", "[2001:db8::1]:443" → "2001:db8::1", "[::ffff:203.0.113.7]:5000"
 * (IPv4 on a dual-stack socket) → "203.0.113.7"; anything else as is.
 */
export function sourceAddress(remote: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(remote);
  if (v6) return plainAddress(v6[1]!);
  const v4 = /^([^:]+):\d+$/.exec(remote);
  return v4 ? v4[1]! : remote;
}

class Counter {
  private readonly m = new Map<string, number>();
  get(k: string): number {
    return this.m.get(k) ?? 0;
  }
  add(k: string, d: number): void {
    const n = this.get(k) + d;
    if (n <= 0) this.m.delete(k);
    else this.m.set(k, n);
  }
}

export class Admission {
  /**
   * Pipes in their handshake, in total and per source address; shared with the server's listeners
   * (ListenOptions.pending), which count connections in their TLS handshake or WebSocket upgrade in it.
   */
  readonly handshakes: PendingCount;
  private readonly sessionsBy = new Counter();

  constructor(readonly limits: AcceptLimits) {
    this.handshakes = new PendingCount(limits.maxPending, limits.maxPendingPerAddr);
  }

  /** Pipes (and transport-level handshakes) pending now. */
  get pending(): number {
    return this.handshakes.total;
  }

  /** Count a pipe entering its handshake; a reason (and no count) when a cap is reached. */
  enterHandshake(addr: string): string | null {
    return this.handshakes.enter(addr);
  }

  leaveHandshake(addr: string): void {
    this.handshakes.leave(addr);
  }

  /** Sessions open now, every protocol together (v1 and, with --compat v0, v0). */
  sessions = 0;

  /**
   * Whether another session may open from `addr` while the ones counted and `opening` more (past their
   * checks, not yet opened) are: null, or why not.
   */
  refuseSession(addr: string, opening = 0): string | null {
    const n = this.sessions + opening;
    if (n >= this.limits.maxSessions) return `${n} sessions open (--max-sessions)`;
    if (this.sessionsBy.get(addr) >= this.limits.maxSessionsPerAddr) {
      return `${this.sessionsBy.get(addr)} sessions open from ${addr} (--max-sessions-per-addr)`;
    }
    return null;
  }

  sessionOpened(addr: string): void {
    this.sessions++;
    this.sessionsBy.add(addr, 1);
  }

  sessionClosed(addr: string): void {
    this.sessions--;
    this.sessionsBy.add(addr, -1);
  }
}
