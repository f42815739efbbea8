/**
 * --stats rendering: per-session snapshots with rates (bytes/s since the previous snapshot), as a
 * compact table for people or one JSON object per session for machines.
 */
import type { SessionStats, SubflowStats } from "../api/index.ts";
import { formatBytes, formatRate, formatRtt, formatSeconds } from "../modes/format.ts";

export interface SubflowRates extends SubflowStats {
  txBps: number;
  rxBps: number;
}

export interface SessionRates extends Omit<SessionStats, "subflows"> {
  txBps: number;
  rxBps: number;
  subflows: SubflowRates[];
}

interface Mark {
  at: number;
  tx: number;
  rx: number;
}

/** Turns successive snapshots into rates; forgets sessions and subflows that are gone. */
export class RateTracker {
  private marks = new Map<string, Mark>();

  private rate(key: string, now: number, tx: number, rx: number, next: Map<string, Mark>): [number, number] {
    const m = this.marks.get(key);
    next.set(key, { at: now, tx, rx });
    if (m === undefined || now <= m.at) return [0, 0];
    const dt = (now - m.at) / 1000;
    return [Math.max(0, (tx - m.tx) / dt), Math.max(0, (rx - m.rx) / dt)];
  }

  update(all: SessionStats[], now: number): SessionRates[] {
    const next = new Map<string, Mark>();
    const out = all.map((st) => {
      const [txBps, rxBps] = this.rate(st.id, now, st.bytesAcked, st.bytesReceived, next);
      const subflows = st.subflows.map((f) => {
        const [tx, rx] = this.rate(`${st.id}/${f.id}`, now, f.bytesSent, f.bytesReceived, next);
        return { ...f, txBps: tx, rxBps: rx };
      });
      return { ...st, txBps, rxBps, subflows };
    });
    this.marks = next;
    return out;
  }
}

/** One JSON line per session. */
export function statsJson(r: SessionRates, time: Date): string {
  const round = (n: number): number => Math.round(n);
  return JSON.stringify({
    time: time.toISOString(),
    session: r.id,
    state: r.state,
    uptimeMs: round(r.uptimeMs),
    bytesSent: r.bytesSent,
    bytesAcked: r.bytesAcked,
    bytesReceived: r.bytesReceived,
    txBps: round(r.txBps),
    rxBps: round(r.rxBps),
    reinjectedBytes: r.reinjectedBytes,
    duplicateBytes: r.duplicateBytes,
    sendBuffered: r.sendBuffered,
    reorderBuffered: r.reorderBuffered,
    subflows: r.subflows.map((f) => ({
      id: f.id,
      transport: f.transport,
      local: f.local,
      remote: f.remote,
      label: f.label,
      state: f.state,
      backup: f.backup,
      bytesSent: f.bytesSent,
      bytesReceived: f.bytesReceived,
      txBps: round(f.txBps),
      rxBps: round(f.rxBps),
      srttMs: f.srttMs === null ? null : Math.round(f.srttMs * 1000) / 1000,
      inflight: f.inflight,
      reinjectedBytes: f.reinjectedBytes,
    })),
  });
}

const HEAD = ["ID", "TRANSPORT", "LOCAL → REMOTE", "STATE", "TX", "RX", "RTT", "REINJECTED"] as const;

/** The table lines for one session (a summary line, a header, one row per subflow). */
export function statsTable(r: SessionRates): string[] {
  const lines = [
    `session ${r.id.slice(0, 8)}  ${r.state}  up ${formatSeconds(r.uptimeMs)}  ` +
      `TX ${formatBytes(r.bytesAcked)} ${formatRate(r.txBps)}  RX ${formatBytes(r.bytesReceived)} ${formatRate(r.rxBps)}  ` +
      `reinjected ${formatBytes(r.reinjectedBytes)}  ${r.subflows.length} subflow${r.subflows.length === 1 ? "" : "s"}`,
  ];
  const rows: string[][] = r.subflows.map((f) => [
    String(f.id),
    f.transport,
    `${f.local} → ${f.remote}`,
    f.backup ? `${f.state} (backup)` : f.state,
    formatRate(f.txBps),
    formatRate(f.rxBps),
    formatRtt(f.srttMs),
    formatBytes(f.reinjectedBytes),
  ]);
  if (rows.length === 0) return [...lines, "  (no subflow up)"];
  const all = [[...HEAD], ...rows];
  const widths = HEAD.map((_, i) => Math.max(...all.map((row) => (row[i] as string).length)));
  const right = new Set([4, 5, 6, 7]);
  for (const row of all) {
    const cells = row.map((cell, i) => (right.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)));
    lines.push(`  ${cells.join("  ").trimEnd()}`);
  }
  return lines;
}
