/**
 * Scheduling policy (pure functions, unit-tested): which subflow gets the next frame and how much each
 * may have in flight. The session pulls: a subflow takes frames while its pipe is writable and its
 * in-flight bytes are under its quota, fastest first — so every healthy path stays busy in proportion
 * to what it delivers, and slow paths cannot hoard data the receiver must then wait for.
 */
import type { SessionOptions } from "./options.ts";

export interface SchedSubflow {
  readonly backup: boolean;
  readonly state: string;
  readonly inflight: number;
  /** Smoothed delivery rate in bytes/ms (0 = unknown). */
  readonly rate: number;
  readonly rtt: { readonly srtt: number; readonly samples: number };
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
 * In-flight quota: twice the bandwidth-delay product the subflow has shown (delivery rate × smoothed
 * RTT), never below a floor of a few chunks (which also lets a new subflow ramp up, doubling per RTT
 * like slow start), never above the send buffer.
 */
export function quotaFor(s: SchedSubflow, o: Pick<SessionOptions, "chunkSize" | "sendBuffer">): number {
  const floor = Math.max(1 << 20, 4 * o.chunkSize);
  if (s.rate <= 0 || s.rtt.samples === 0) return Math.min(floor, o.sendBuffer);
  const bdp = 2 * s.rate * Math.max(s.rtt.srtt, 1);
  return Math.min(o.sendBuffer, Math.max(floor, bdp));
}
