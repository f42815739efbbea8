/**
 * Failure detection (pure, unit-tested). A closed or reset pipe is handled when it happens; these rules
 * catch the paths that fail silently (cable pulled, packets dropped):
 *
 * - **stalled**: the subflow has data in flight and the peer has reported no progress on it for
 *   `max(300 ms, 2 × srtt + 200 ms)`, while another subflow did make progress in that time. Relative, so
 *   a peer (or our own event loop) that is briefly blocked everywhere is not mistaken for a dead path.
 * - **silent**: nothing at all received on the subflow for `deadAfterMs` (heartbeats every second keep
 *   idle subflows talking); this also covers the receiving side, which has nothing in flight.
 *
 * Before either, a subflow is put **in doubt** (`doubtfulSubflows`) much sooner — about one round trip —
 * when bytes on it stay unacknowledged: its in-flight frames are resent on a healthy path (a backup when
 * every primary is in doubt) and it gets no new data until the peer reports progress on it again. Being
 * in doubt costs duplicates, never the path: only the rules above declare it dead.
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

/** Margin over the fastest path's round trips before bytes without progress are resent elsewhere. */
export const DOUBT_FLOOR_MS = 60;
/** At most this much more patience for a busy path whose own smoothed RTT is long (loss recovery). */
export const DOUBT_SLACK_MS = 25;
/** A path's round trip while nothing has been measured yet (the first PONG comes one round trip in). */
export const UNKNOWN_RTT_MS = 200;

export interface DoubtSubflow extends LiveSubflow {
  readonly rtt: { readonly srtt: number; readonly min: number; readonly samples: number };
  readonly doubt: boolean;
  /** Went from idle to busy and nothing was reported since: the first report takes this path's round trip. */
  readonly awaitingFirst: boolean;
  readonly lastPingAt: number;
}

/**
 * How long bytes may go without progress on `s` before they are resent elsewhere. A busy path reports
 * progress every ack tick (10 ms) however long its queue, so silence beyond two round trips of the
 * fastest path (its minimum: propagation, not our own queueing) plus a margin is suspicious — up to
 * DOUBT_SLACK_MS more while its own smoothed RTT is long (a loaded path recovering a lost segment stalls
 * for about that, and resending then costs duplicates and gains little). The first report after idle
 * takes a whole loaded round trip of this path itself, so then two of its smoothed ones.
 */
export function doubtAfterMs(s: DoubtSubflow, fastestRtt: number): number {
  const fastest = Number.isFinite(fastestRtt) ? fastestRtt : UNKNOWN_RTT_MS;
  const base = 2 * fastest + DOUBT_FLOOR_MS;
  const own = s.rtt.samples > 0 ? s.rtt.srtt : UNKNOWN_RTT_MS;
  if (!s.awaitingFirst) return Math.max(base, Math.min(2 * own, base + DOUBT_SLACK_MS));
  return Math.max(base, 2 * own + DOUBT_FLOOR_MS);
}

/**
 * Subflows to put in doubt now, and subflows to PING for evidence. A subflow is put in doubt when it is
 * up, not yet in doubt, has bytes in flight without progress for `doubtAfterMs`, and another path up and
 * not in doubt (a target for its bytes) heard from the peer well after this one went quiet — data, ACK
 * or PONG, in either direction: the peer is alive, this path is what is stuck. When the peer and our own
 * loop were just slow, every path went quiet together and nobody is blamed. Without that evidence yet
 * (the other paths idle: a backup, an interactive session), the targets not pinged since are probed.
 */
export function doubtfulSubflows<S extends DoubtSubflow>(subs: readonly S[], now: number): { doubt: S[]; probe: S[] } {
  let fastest = Infinity;
  for (const s of subs) if (s.state === "up" && s.rtt.samples > 0 && s.rtt.min < fastest) fastest = s.rtt.min;
  const doubt: S[] = [];
  const probe: S[] = [];
  for (const s of subs) {
    if (s.state !== "up" || s.doubt || s.inflight <= 0) continue;
    const limit = doubtAfterMs(s, fastest);
    if (now - s.progressAt <= limit) continue;
    const evidenceAfter = s.progressAt + limit / 2;
    let evidence = false;
    for (const o of subs) {
      if (o === s || o.state !== "up" || o.doubt || doubt.includes(o)) continue;
      if (o.lastReceiveAt > evidenceAfter) evidence = true;
      else if (o.lastPingAt <= s.progressAt && !probe.includes(o)) probe.push(o);
    }
    if (evidence) doubt.push(s);
  }
  return { doubt, probe };
}

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
