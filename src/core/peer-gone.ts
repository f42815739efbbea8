/**
 * Peer gone or network gone (dialing side). With no subflow up, a session waits `graceMs` for a path
 * to come back: right for a network outage, where re-dials time out or find no route. When the peer's
 * host answers instead and nobody is there, waiting is pointless, and the error should say so:
 *
 * - a JOIN refused with UNKNOWN_SESSION by the host the session was opened on, while no subflow is up:
 *   the listener there no longer knows the session (the peer process ended, or the listener restarted);
 * - every path still dialed got "connection refused" `PEER_GONE_REFUSALS` times in a row while no
 *   subflow is up (≈ 1–2 s with the re-dial backoff): the host answers, nothing listens.
 *
 * Anything else (a timeout, an unreachable network, a success) resets a path's count.
 */
import { TransportError } from "../contract/errors.ts";
import { SessionError } from "./errors.ts";

export const PEER_GONE_REFUSALS = 3;

export class PeerGoneWatch<P> {
  private readonly refusals = new Map<P, number>();
  private readonly retired = new Set<P>();

  constructor(private readonly paths: readonly P[]) {}

  /** `p` will not be dialed again (dropped): it no longer counts. */
  retire(p: P): void {
    this.retired.add(p);
  }

  /** A dial of `p` failed (`err`) or joined (null). Returns the error to end the session with, if any. */
  dialed(p: P, err: Error | null, subflowsUp: number): SessionError | null {
    if (err !== null && isRefusal(err)) this.refusals.set(p, (this.refusals.get(p) ?? 0) + 1);
    else this.refusals.delete(p);
    if (subflowsUp > 0) return null;
    let active = 0;
    for (const q of this.paths) {
      if (this.retired.has(q)) continue;
      active++;
      if ((this.refusals.get(q) ?? 0) < PEER_GONE_REFUSALS) return null;
    }
    if (active === 0) return null;
    return new SessionError("EPEERGONE", `peer gone: every path was refused ${PEER_GONE_REFUSALS} times in a row (its host answers, nothing listens there any more)`);
  }

  /** UNKNOWN_SESSION from the host the session was opened on. */
  forgotten(host: string, subflowsUp: number): SessionError | null {
    if (subflowsUp > 0) return null;
    return new SessionError("EPEERGONE", `peer gone: ${host} no longer knows this session (the peer process ended or its listener restarted)`);
  }
}

/** A connect the peer's host actively refused (TCP RST), not a timeout or an unreachable network. */
function isRefusal(err: Error): boolean {
  if (!(err instanceof TransportError) || err.code !== "ECONNREFUSED") return false;
  const cause = err.cause as { code?: unknown } | undefined;
  return cause?.code === "ECONNREFUSED";
}
