/** Plain snapshots of a session and its subflows, for --stats, benchmarks and the library API. */
import type { ReorderBuffer } from "./reorder-buffer.ts";
import type { SendBuffer } from "./send-buffer.ts";
import type { Subflow } from "./subflow.ts";

/** What a snapshot reads of a session (Session implements it; no import of session.ts, so no cycle). */
export interface StatsSource {
  readonly idHex: string;
  readonly state: string;
  readonly startedAt: number;
  readonly send: SendBuffer<Subflow>;
  readonly reorder: ReorderBuffer;
  readonly reinjectedBytes: number;
  readonly subflows: readonly Subflow[];
}

export interface SubflowStats {
  id: number;
  transport: string;
  local: string;
  remote: string;
  label: string;
  state: string;
  backup: boolean;
  bytesSent: number;
  bytesReceived: number;
  reinjectedBytes: number;
  inflight: number;
  srttMs: number | null;
  rateBps: number;
}

export interface SessionStats {
  id: string;
  state: string;
  uptimeMs: number;
  bytesSent: number;
  bytesAcked: number;
  bytesReceived: number;
  duplicateBytes: number;
  reinjectedBytes: number;
  sendBuffered: number;
  reorderBuffered: number;
  subflows: SubflowStats[];
}

export function snapshot(s: StatsSource, now: number): SessionStats {
  return {
    id: s.idHex,
    state: s.state,
    uptimeMs: now - s.startedAt,
    bytesSent: s.send.nxt,
    bytesAcked: s.send.una,
    bytesReceived: s.reorder.next,
    duplicateBytes: s.reorder.duplicateBytes,
    reinjectedBytes: s.reinjectedBytes,
    sendBuffered: s.send.bytes,
    reorderBuffered: s.reorder.bytes,
    subflows: s.subflows.map((f) => ({
      id: f.id,
      transport: f.info.transport,
      local: f.info.local,
      remote: f.info.remote,
      label: f.label,
      state: f.state,
      backup: f.backup,
      bytesSent: f.bytesSent,
      bytesReceived: f.bytesReceived,
      reinjectedBytes: f.reinjectedBytes,
      inflight: f.inflight,
      srttMs: f.rtt.samples > 0 ? f.rtt.srtt : null,
      rateBps: f.rate * 1000,
    })),
  };
}
