/**
 * The deadline and pending caps of a WebSocket listener before its upgrade (docs/SECURITY.md). Bun.serve
 * gives no handle on a connection until its HTTP request is complete, so the front (proxy-front.ts) that
 * accepts ws/wss connections holds a ticket for each from TCP accept until the server behind it
 * upgrades it, counted in a PendingCount (the server's, shared with its engine; more are dropped at
 * accept), `maxBytes` read from the client (TLS handshake + HTTP request), and the
 * handshake deadline. The engine's own deadline then runs on from the same accept time.
 */
import { type PendingCount } from "../src/contract/pending-count.ts";
import { TransportError } from "../src/contract/errors.ts";

export interface GateLimits {
  ms: number;
  /** Bytes a client may send before its upgrade: a TLS handshake with a client chain and HTTP headers fit. */
  maxBytes: number;
}

export const PRE_UPGRADE_BYTES = 64 << 10;

export class UpgradeGate {
  constructor(
    readonly limits: GateLimits,
    /** The caps (the server's count, shared with its engine, when it gave one: ListenOptions.pending). */
    readonly count: PendingCount,
    private readonly reject: (remote: string, err: Error) => void,
  ) {}

  /**
   * A ticket for a connection just accepted from `remote`, counted against `address` (null: the
   * address is not known yet, e.g. before a PROXY header), or null (and the refusal reported) at a cap.
   */
  enter(remote: string, address: string | null): Ticket | null {
    const why = this.count.enter(address);
    if (why !== null) {
      this.reject(remote, new TransportError("EBUSY", `refused before the WebSocket upgrade: ${why}`));
      return null;
    }
    return new Ticket(this, remote, address);
  }

  report(remote: string, err: Error): void {
    this.reject(remote, err);
  }
}

/** One connection until its upgrade: `kill` is what closes it at the deadline or past the byte cap. */
export class Ticket {
  kill: () => void = () => {};
  /** The server answered an HTTP request on it (a health check kept alive): its deadline is quiet. */
  answered = false;
  private bytes = 0;
  private timer: ReturnType<typeof setTimeout> | null;

  constructor(
    private readonly gate: UpgradeGate,
    private remote: string,
    private address: string | null,
  ) {
    const ms = gate.limits.ms;
    this.timer = setTimeout(() => this.fail(this.answered ? new TransportError("EEMPTY", `kept alive after its HTTP answer (a health check?), closed after ${ms} ms`) : new TransportError("ETIMEDOUT", `no WebSocket upgrade within ${ms} ms of accept`)), ms);
  }

  /** Count bytes read from the client; false (connection reported and killed) past the cap. */
  take(n: number): boolean {
    if (this.timer === null) return true;
    this.bytes += n;
    if (this.bytes <= this.gate.limits.maxBytes) return true;
    this.fail(new TransportError("EHTTP", `more than ${this.gate.limits.maxBytes} bytes before the WebSocket upgrade`));
    return false;
  }

  /** The client is now known (a PROXY header named it): counted against its address, or false at the cap. */
  rekey(remote: string, address: string): boolean {
    if (this.timer === null || this.address === address) return true;
    this.remote = remote;
    const why = this.gate.count.fullAt(address);
    if (why !== null) {
      this.fail(new TransportError("EBUSY", `refused before the WebSocket upgrade: ${why}`));
      return false;
    }
    this.gate.count.move(this.address, address);
    this.address = address;
    return true;
  }

  /** Upgraded, or gone: no longer pending. */
  leave(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.gate.count.leave(this.address);
  }

  private fail(err: Error): void {
    if (this.timer === null) return;
    this.leave();
    this.gate.report(this.remote, err);
    this.kill();
  }
}
