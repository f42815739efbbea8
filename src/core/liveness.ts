/**
 * Failure detection (pure, unit-tested). A closed or reset pipe is handled when it happens; these rules
 * catch the paths that fail silently (cable pulled, packets dropped):
 *
 * - **stalled**: the subflow has data in flight and the peer has reported no progress on it for
 *   `max(300 ms, 2 × srtt + 200 ms)`, while another subflow did make progress in that time. Relative, so
 *   a peer (or our own event loop) that is briefly blocked everywhere is not mistaken for a dead path.
 * - **silent**: nothing at all received on the subflow for `deadAfterMs` (heartbeats every second keep
 *   idle subflows talking); this also covers the receiving side, which has nothing in flight.
 */
export interface LiveSubflow {
  readonly state: string;
  readonly inflight: number;
  /** When the peer last reported progress on this subflow (or it went from idle to busy). */
  readonly progressAt: number;
  readonly lastReceiveAt: number;
  readonly rtt: { readonly srtt: number; readonly samples: number };
}

export const STALL_FLOOR_MS = 300;

export function stallAfterMs(s: LiveSubflow, deadAfterMs: number): number {
  if (s.rtt.samples === 0) return deadAfterMs;
  return Math.min(deadAfterMs, Math.max(STALL_FLOOR_MS, 2 * s.rtt.srtt + 200));
}

/** Subflows to give up on now, each with an error code and a reason. */
export function failedSubflows<S extends LiveSubflow>(
  subs: readonly S[],
  now: number,
  deadAfterMs: number,
): { sub: S; code: "ESILENT" | "ESTALLED"; reason: string }[] {
  const out: { sub: S; code: "ESILENT" | "ESTALLED"; reason: string }[] = [];
  for (const s of subs) {
    if (s.state !== "up") continue;
    const silent = now - s.lastReceiveAt;
    if (silent > deadAfterMs) {
      out.push({ sub: s, code: "ESILENT", reason: `subflow silent for ${Math.round(silent)} ms` });
      continue;
    }
    if (s.inflight <= 0) continue;
    const limit = stallAfterMs(s, deadAfterMs);
    const stuck = now - s.progressAt;
    if (stuck <= limit) continue;
    const othersMoving = subs.some((o) => o !== s && o.state === "up" && o.progressAt > s.progressAt && now - o.progressAt <= limit);
    if (othersMoving) {
      out.push({ sub: s, code: "ESTALLED", reason: `subflow stalled: no delivery for ${Math.round(stuck)} ms while other paths deliver` });
    }
  }
  return out;
}
