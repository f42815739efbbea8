/**
 * Benchmark mode: send zeros as fast as the session takes them, count and drop what arrives, and
 * report RX/TX rates every second (with a per-subflow breakdown) and a summary at the end.
 * It stops sending after `durationMs` (if given), on finish() (first Ctrl-C), or — with `followPeer`,
 * the listener's role — when the peer stops sending; the session then closes cleanly once both
 * directions are done. The connecting side leads: a peer with nothing to send (a `bondcat -l >
 * /dev/null` receiver) does not end an upload test.
 */
import { HEADER_SIZE, type SessionHandle, type SessionStats } from "../api/index.ts";
import { formatBits, formatBytes, formatRate, formatRtt, formatSeconds } from "./format.ts";
import type { LocalSide } from "./local-side.ts";

export interface BenchmarkOptions {
  /** Payload bytes per frame. */
  chunkSize: number;
  /** Stop sending after this long; undefined = until finish() or the peer's end. */
  durationMs?: number;
  /** Stop sending when the peer does (the listener follows the connecting side). */
  followPeer?: boolean;
  /** Report period (default 1 s). */
  intervalMs?: number;
  /** Where report lines go (stderr). */
  print(line: string): void;
  /** Clock (ms); injectable for tests. */
  now?: () => number;
}

/** Frames kept for reuse (beyond that, released frames are left to the GC). */
const MAX_FREE = 256;

interface Totals {
  at: number;
  tx: number;
  rx: number;
  subs: Map<number, { tx: number; rx: number }>;
}

export class BenchmarkSide implements LocalSide {
  private session: SessionHandle | null = null;
  private sending = false;
  private received = 0;
  private startedAt = 0;
  private endedAt = 0;
  private last: Totals | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly now: () => number;
  private readonly free: Uint8Array[] = [];

  constructor(private readonly o: BenchmarkOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  data(view: Uint8Array): boolean {
    this.received += view.length;
    return true;
  }

  /** The peer stopped sending: with followPeer stop too, so the session can close. */
  end(): void {
    if (this.o.followPeer === true) this.stopSending();
  }

  drain(): void {
    this.fill();
  }

  start(session: SessionHandle): void {
    this.session = session;
    this.startedAt = this.now();
    this.last = { at: this.startedAt, tx: 0, rx: 0, subs: new Map() };
    this.sending = session.state === "open";
    this.timer = setInterval(() => this.report(), this.o.intervalMs ?? 1000);
    if (this.o.durationMs !== undefined) this.stopTimer = setTimeout(() => this.stopSending(), this.o.durationMs);
    this.fill();
  }

  /**
   * Write zero frames until the session pushes back. Frames come back through release() once
   * acknowledged and are reused (the session rewrites only their header), so the steady state allocates
   * nothing.
   */
  private fill(): void {
    const s = this.session;
    if (!this.sending || s === null) return;
    const size = HEADER_SIZE + this.o.chunkSize;
    while (s.state === "open" && s.writeFrame(this.free.pop() ?? new Uint8Array(size)));
  }

  release(frame: Uint8Array): void {
    if (this.free.length < MAX_FREE) this.free.push(frame);
  }

  private stopSending(): void {
    if (!this.sending) return;
    this.sending = false;
    this.endedAt = this.now();
    if (this.stopTimer) clearTimeout(this.stopTimer);
    if (this.session?.state === "open") this.session.end();
  }

  finish(): void {
    this.stopSending();
  }

  get bytesReceived(): number {
    return this.received;
  }

  private report(): void {
    const s = this.session;
    const last = this.last;
    if (s === null || last === null || s.state === "closed") return;
    const st = s.stats();
    const now = this.now();
    const dt = Math.max(1, now - last.at) / 1000;
    const tx = st.bytesAcked;
    const rx = this.received;
    const lines = [
      `[${formatSeconds(now - this.startedAt).padStart(6)}] TX ${formatRate((tx - last.tx) / dt).padStart(12)}  ` +
        `RX ${formatRate((rx - last.rx) / dt).padStart(12)}  (${st.subflows.length} subflow${st.subflows.length === 1 ? "" : "s"})`,
    ];
    const subs = new Map<number, { tx: number; rx: number }>();
    const width = Math.max(0, ...st.subflows.map((f) => f.local.length + f.remote.length + 3));
    for (const f of st.subflows) {
      const prev = last.subs.get(f.id) ?? { tx: 0, rx: 0 }; // a new subflow started from zero
      subs.set(f.id, { tx: f.bytesSent, rx: f.bytesReceived });
      lines.push(
        `    #${String(f.id).padEnd(3)} ${f.transport.padEnd(4)} ${`${f.local} → ${f.remote}`.padEnd(width)}  ` +
          `TX ${formatRate((f.bytesSent - prev.tx) / dt).padStart(12)}  RX ${formatRate((f.bytesReceived - prev.rx) / dt).padStart(12)}` +
          `  rtt ${formatRtt(f.srttMs)}${f.reinjectedBytes > 0 ? `  reinjected ${formatBytes(f.reinjectedBytes)}` : ""}`,
      );
    }
    this.last = { at: now, tx, rx, subs };
    this.o.print(lines.join("\n"));
  }

  /** The summary line (also printed by close()). */
  summary(st: Pick<SessionStats, "bytesAcked" | "reinjectedBytes"> | null, err?: Error): string {
    const now = this.now();
    const txEnd = this.endedAt > 0 ? this.endedAt : now;
    const txSecs = Math.max(1, txEnd - this.startedAt) / 1000;
    const rxSecs = Math.max(1, now - this.startedAt) / 1000;
    const tx = st?.bytesAcked ?? 0;
    const rx = this.received;
    const parts = [
      `benchmark ${err ? "failed" : "done"} after ${formatSeconds(now - this.startedAt)}:`,
      `TX ${formatBytes(tx)} (${formatRate(tx / txSecs)}, ${formatBits(tx / txSecs)})`,
      `RX ${formatBytes(rx)} (${formatRate(rx / rxSecs)}, ${formatBits(rx / rxSecs)})`,
    ];
    if (st && st.reinjectedBytes > 0) parts.push(`reinjected ${formatBytes(st.reinjectedBytes)}`);
    return parts.join(" ");
  }

  close(err?: Error): void {
    if (this.timer) clearInterval(this.timer);
    if (this.stopTimer) clearTimeout(this.stopTimer);
    this.timer = null;
    const s = this.session;
    if (s === null) return;
    this.o.print(this.summary(s.stats(), err));
  }
}
