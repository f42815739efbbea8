/**
 * What a listener lets strangers hold (docs/SECURITY.md): pipes still in their handshake and sessions,
 * in total and per source address. Counts only; the acceptor decides what to do with a "no".
 * Per-address defaults are generous: behind NAT, a load balancer or a WebSocket reverse proxy, many
 * legitimate clients share one source address.
 */

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
  if (v6) return v6[1]!.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");
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
  pending = 0;
  private readonly pendingBy = new Counter();
  private readonly sessionsBy = new Counter();

  constructor(readonly limits: AcceptLimits) {}

  /** Count a pipe entering its handshake; a reason (and no count) when a cap is reached. */
  enterHandshake(addr: string): string | null {
    if (this.pending >= this.limits.maxPending) return `${this.pending} handshakes pending (--max-handshakes)`;
    if (this.pendingBy.get(addr) >= this.limits.maxPendingPerAddr) {
      return `${this.pendingBy.get(addr)} handshakes pending from ${addr} (--max-handshakes-per-addr)`;
    }
    this.pending++;
    this.pendingBy.add(addr, 1);
    return null;
  }

  leaveHandshake(addr: string): void {
    this.pending--;
    this.pendingBy.add(addr, -1);
  }

  /** Whether another session may open from `addr` while `sessions` are open: null, or why not. */
  refuseSession(addr: string, sessions: number): string | null {
    if (sessions >= this.limits.maxSessions) return `${sessions} sessions open (--max-sessions)`;
    if (this.sessionsBy.get(addr) >= this.limits.maxSessionsPerAddr) {
      return `${this.sessionsBy.get(addr)} sessions open from ${addr} (--max-sessions-per-addr)`;
    }
    return null;
  }

  sessionOpened(addr: string): void {
    this.sessionsBy.add(addr, 1);
  }

  sessionClosed(addr: string): void {
    this.sessionsBy.add(addr, -1);
  }
}
