/**
 * Scheduling policies (pure, unit-tested): which subflow gets the next frame and how much each may have
 * in flight. The session pulls: a subflow takes frames while its pipe is writable and its in-flight bytes
 * are under its quota, fastest first — so every healthy path stays busy in proportion to what it
 * delivers, and slow paths cannot hoard data the receiver must then wait for.
 */
import type { SessionOptions } from "./options.ts";
import { BASE_ACK_STEP } from "./receiver.ts";
import type { Segment, SendBuffer } from "./send-buffer.ts";

export type { SchedulerName } from "./options.ts";

export interface SchedSubflow {
  readonly backup: boolean;
  /** In doubt (liveness.ts): used only while no path that is not in doubt is up. */
  readonly doubt: boolean;
  readonly state: string;
  readonly writable: boolean;
  readonly inflight: number;
  /** Smoothed delivery rate in bytes/ms (0 = unknown). */
  readonly rate: number;
  readonly rtt: { readonly srtt: number; readonly min: number; readonly samples: number };
  /** Redundant policy: offset of the next byte this subflow sends. */
  cursor: number;
}

/** Subflows in the order the scheduler offers them data: primaries by smoothed RTT, then backups. */
export function pickOrder<S extends SchedSubflow>(subs: readonly S[]): S[] {
  return [...subs].sort((a, b) => {
    if (a.backup !== b.backup) return a.backup ? 1 : -1;
    const ra = a.rtt.samples > 0 ? a.rtt.srtt : Infinity;
    const rb = b.rtt.samples > 0 ? b.rtt.srtt : Infinity;
    return ra === rb ? 0 : ra < rb ? -1 : 1;
  });
}

/**
 * The horizon's floor (ms): a fast path (loopback) may hold this much of its rate in flight, and a byte
 * written behind bulk waits about this long in the socket buffers (issue 8: marker behind bulk).
 */
export const HORIZON_FLOOR_MS = 2;
/**
 * In flight, in ACK steps (the bytes a typical ACK acknowledges): enough to keep every path busy until
 * the next ACK with room to grow, no more. Past that, bytes only wait in socket buffers: on loopback the
 * window rule alone let 7 ms of data queue in front of anything written later.
 */
export const ACK_STEPS = 4;

/**
 * How long (ms) a byte may wait in any one subflow: half the time the whole bundle needs to fill the
 * peer's window — a path that holds more than that makes the receiver wait for it while the window fills
 * behind the hole, and the fast paths stall (a 10 Mbit/s link with 1 MiB in flight holds 0.8 s of data) —
 * and no longer than ACK_STEPS acknowledgements of `ackStep` bytes take at the bundle's rate.
 */
export function horizonMs<S extends SchedSubflow>(order: readonly S[], windowSpan: number, ackStep = 0): number {
  let total = 0;
  for (const s of order) if (usable(s, order) && s.rate > 0) total += s.rate;
  if (total <= 0) return 1000;
  // Steps above BASE_ACK_STEP (fast paths, receiver.ts) are acknowledged bytes that only arrive late,
  // not more queue: the same ACK_STEPS - 1 queued steps as below it, plus the one being acknowledged.
  const byAcks = ackStep > 0 ? (ackStep + (ACK_STEPS - 1) * Math.min(ackStep, BASE_ACK_STEP)) / total : Infinity;
  return Math.min(1000, Math.max(HORIZON_FLOOR_MS, Math.min(byAcks, windowSpan / (2 * total))));
}

/**
 * In-flight quota of one subflow: what it delivers in the horizon (rate × horizon), at least two of its
 * own minimum RTTs' worth (to keep a long path full), at least one chunk, at most the send buffer.
 * Before its rate is known: a few chunks, which lets a new subflow show what it can do.
 */
export function quotaFor(s: SchedSubflow, o: Pick<SessionOptions, "chunkSize" | "sendBuffer">, horizon: number): number {
  if (s.rate <= 0 || s.rtt.samples === 0) return Math.min(Math.max(1 << 20, 4 * o.chunkSize), o.sendBuffer);
  const q = s.rate * Math.max(horizon, 2 * s.rtt.min);
  return Math.min(o.sendBuffer, Math.max(o.chunkSize, q));
}

/** Preference of an up subflow, lower first: healthy primary, healthy backup, doubtful primary, doubtful backup. */
function rank(s: SchedSubflow): number {
  return (s.doubt ? 2 : 0) + (s.backup ? 1 : 0);
}

/**
 * Whether `s` may carry data now: up, and no up subflow of a better rank — a backup only while no
 * healthy primary is up, a subflow in doubt only while no healthy one is.
 */
export function usable<S extends SchedSubflow>(s: S, all: readonly S[]): boolean {
  if (s.state !== "up") return false;
  const r = rank(s);
  if (r === 0) return true;
  for (const o of all) if (o.state === "up" && rank(o) < r) return false;
  return true;
}

/**
 * Default policy: each usable subflow, fastest first, pulls frames (reinjections first, then new data
 * inside the peer's window) while writable and under its quota.
 */
export function fillByCapacity<S extends SchedSubflow>(
  order: readonly S[],
  send: SendBuffer<S>,
  windowLimit: number,
  o: Pick<SessionOptions, "chunkSize" | "sendBuffer">,
  transmit: (s: S, seg: Segment<S>) => void,
  ackStep = 0,
): void {
  // A dead subflow's frames first, and past the quota: they fill the hole every other subflow's
  // unacknowledged bytes are waiting behind (acks are cumulative), so holding them back could stall the
  // session. Frames of a subflow in doubt come first too, but within the quota: while they wait, what
  // the doubtful path still delivers is acknowledged and skipped instead of sent twice.
  if (send.urgentPending) {
    for (const s of order) {
      if (usable(s, order) && !feed(s, send, windowLimit, transmit, Infinity, true)) return;
      if (!send.urgentPending) break;
    }
  }
  const horizon = horizonMs(order, windowLimit - send.una, ackStep);
  for (const s of order) {
    if (!usable(s, order)) continue;
    const quota = quotaFor(s, o, horizon);
    if (!feed(s, send, windowLimit, transmit, quota, false)) return;
  }
}

/**
 * Give `s` frames while it is writable and under `quota` (and, with `reinjectOnly`, while urgent
 * reinjections wait); false once the buffer has nothing to send. No closures: this runs on every ACK and drain.
 */
function feed<S extends SchedSubflow>(
  s: S,
  send: SendBuffer<S>,
  windowLimit: number,
  transmit: (s: S, seg: Segment<S>) => void,
  quota: number,
  reinjectOnly: boolean,
): boolean {
  while (s.writable && s.inflight < quota && (!reinjectOnly || send.urgentPending)) {
    const seg = send.next(windowLimit);
    if (seg === null) return false;
    transmit(s, seg);
  }
  return true;
}

/**
 * Redundant policy: every usable subflow sends every frame, each from its own cursor, up to its quota of
 * unacknowledged bytes; a subflow that falls behind the acknowledged offset skips ahead. The fastest path
 * delivers each byte; a dying path costs nothing, as the others already carry everything.
 */
export function fillRedundant<S extends SchedSubflow>(
  order: readonly S[],
  send: SendBuffer<S>,
  windowLimit: number,
  o: Pick<SessionOptions, "chunkSize" | "sendBuffer">,
  transmit: (s: S, seg: Segment<S>) => void,
): void {
  for (const s of order) {
    if (!usable(s, order)) continue;
    if (s.cursor < send.una) s.cursor = send.una;
    const quota = Math.min(o.sendBuffer, Math.max(1 << 20, 4 * o.chunkSize));
    while (s.writable && s.cursor - send.una < quota) {
      const seg = send.segmentAt(s.cursor);
      if (seg === null || seg.end > windowLimit) break;
      s.cursor = seg.end;
      transmit(s, seg);
    }
  }
}
