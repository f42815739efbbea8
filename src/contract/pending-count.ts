/**
 * Connections still in their handshake, in total and per source address, under two caps
 * (--max-handshakes, --max-handshakes-per-addr; docs/SECURITY.md). One object is shared by a server's
 * listeners (TLS handshakes, WebSocket upgrades) and its engine (the bondcat handshake), so the caps
 * bound all of them together: a connection counts from TCP accept until its bondcat handshake is done.
 * (Between a transport's handshake and the engine's there is no count: the engine counts it again at
 * once and refuses it if a newcomer took the slot meanwhile, so the total never passes the cap.)
 */

/** Strips an IPv4-mapped IPv6 prefix: one client counts as one address on a dual-stack socket. */
export const plainAddress = (a: string): string => a.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "");

export class PendingCount {
  /** Connections counted, all addresses together. */
  total = 0;
  private readonly by = new Map<string, number>();

  constructor(
    readonly max: number,
    readonly maxPerAddr: number,
  ) {}

  /** Connections counted from `address`. */
  at(address: string): number {
    return this.by.get(address) ?? 0;
  }

  /** Why one more from `address` (null: not known yet, counted in the total only) is over a cap, or null. */
  full(address: string | null): string | null {
    if (this.total >= this.max) return `${this.total} handshakes pending (--max-handshakes)`;
    return this.fullAt(address);
  }

  /** Why one more from `address` is over the per-address cap, or null. */
  fullAt(address: string | null): string | null {
    const n = address === null ? 0 : this.at(address);
    return n >= this.maxPerAddr ? `${n} handshakes pending from ${address} (--max-handshakes-per-addr)` : null;
  }

  /** Count one more from `address`; a reason (and no count) when a cap is reached. */
  enter(address: string | null): string | null {
    const why = this.full(address);
    if (why !== null) return why;
    this.total++;
    this.move(null, address);
    return null;
  }

  leave(address: string | null): void {
    this.total--;
    this.move(address, null);
  }

  /** One counted connection now belongs to `to` instead of `from` (e.g. once a PROXY header named it). */
  move(from: string | null, to: string | null): void {
    if (from !== null) this.add(from, -1);
    if (to !== null) this.add(to, 1);
  }

  private add(address: string, d: number): void {
    const n = this.at(address) + d;
    if (n <= 0) this.by.delete(address);
    else this.by.set(address, n);
  }
}
