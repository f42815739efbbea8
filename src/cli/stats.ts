/**
 * What the CLI prints about running sessions, on stderr only:
 * - `--stats [INTERVAL]`: a per-subflow table every INTERVAL — redrawn in place on a terminal,
 *   appended block by block otherwise; `--stats-json`: one JSON object per session per INTERVAL.
 * - Otherwise a one-line progress display (bytes, rate) for a transfer in stdio mode when stderr is a
 *   terminal and the job looks like a transfer: a file or pipe on one side and a terminal on the other,
 *   or a regular file on either side. Off when stderr is not a terminal, and off when stdin and stdout
 *   are both pipes/sockets (e.g. ssh's ProxyCommand, where stderr is the user's terminal), and off
 *   once data arrives for a terminal on stdout (the line would be drawn over it).
 */
import { fstatSync } from "node:fs";
import { isatty } from "node:tty";
import type { SessionHandle } from "../api/index.ts";
import { formatBytes, formatRate } from "../modes/format.ts";
import type { Config } from "./config.ts";
import { RateTracker, statsJson, statsTable } from "./stats-table.ts";

export interface Reporter {
  stop(): void;
}

export interface Output {
  write(text: string): unknown;
  isTTY?: boolean;
}

const PROGRESS_MS = 500;
/** A transfer shorter than this never shows a progress line. */
const PROGRESS_AFTER_MS = 1000;

/** Start whatever reporting the config asks for; `sessions` lists the live sessions. */
export function startReporting(c: Config, sessions: () => SessionHandle[], out: Output = process.stderr): Reporter {
  if (c.stats !== undefined) return new StatsReporter(sessions, c.stats.intervalMs, c.stats.json, out);
  const stdio = c.relay === undefined && c.exec === undefined && !c.benchmark;
  if (stdio && out.isTTY === true && looksLikeTransfer(0, 1)) return new ProgressLine(sessions, out, isatty(1));
  return { stop() {} };
}

type Kind = "tty" | "file" | "stream" | "other";

function kindOf(fd: number): Kind {
  try {
    if (isatty(fd)) return "tty";
    const st = fstatSync(fd);
    if (st.isFile()) return "file";
    if (st.isFIFO() || st.isSocket()) return "stream";
  } catch {
    // closed
  }
  return "other";
}

/** True when stdin/stdout look like a file transfer rather than an interactive or proxied stream. */
export function looksLikeTransfer(inFd: number, outFd: number): boolean {
  const a = kindOf(inFd);
  const b = kindOf(outFd);
  if (a === "file" || b === "file") return true;
  return (a === "tty") !== (b === "tty") && (a === "stream" || b === "stream");
}

export class StatsReporter implements Reporter {
  private readonly rates = new RateTracker();
  private readonly timer: ReturnType<typeof setInterval>;
  private drawn = 0;

  constructor(
    private readonly sessions: () => SessionHandle[],
    intervalMs: number,
    private readonly json: boolean,
    private readonly out: Output,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref?.();
    this.rates.update(this.snapshots(), performance.now());
  }

  private snapshots() {
    return this.sessions()
      .filter((s) => s.state !== "closed")
      .map((s) => s.stats());
  }

  tick(): void {
    const rates = this.rates.update(this.snapshots(), performance.now());
    if (this.json) {
      const now = new Date();
      if (rates.length > 0) this.out.write(rates.map((r) => `${statsJson(r, now)}\n`).join(""));
      return;
    }
    const lines = rates.length === 0 ? ["(no session)"] : rates.flatMap((r) => statsTable(r));
    if (this.out.isTTY === true) {
      // Back to the first line of the previous table, clear to the end of the screen, draw again.
      const back = this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[J` : "";
      this.out.write(`${back}${lines.join("\n")}\n`);
      this.drawn = lines.length;
    } else {
      this.out.write(`${lines.join("\n")}\n`);
    }
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

export class ProgressLine implements Reporter {
  private readonly rates = new RateTracker();
  private readonly timer: ReturnType<typeof setInterval>;
  private shown = false;

  constructor(
    private readonly sessions: () => SessionHandle[],
    private readonly out: Output,
    /** Received data is printed on the same terminal: never draw over it. */
    private readonly stdoutIsTty = false,
  ) {
    this.timer = setInterval(() => this.tick(), PROGRESS_MS);
    this.timer.unref?.();
  }

  tick(): void {
    const live = this.sessions().filter((s) => s.state !== "closed");
    if (live.length !== 1) return this.clear();
    const [r] = this.rates.update([(live[0] as SessionHandle).stats()], performance.now());
    if (r === undefined || r.uptimeMs < PROGRESS_AFTER_MS) return;
    if (this.stdoutIsTty && r.bytesReceived > 0) return this.clear();
    const text =
      `↑ ${formatBytes(r.bytesAcked)} ${formatRate(r.txBps)}  ↓ ${formatBytes(r.bytesReceived)} ${formatRate(r.rxBps)}` +
      `  ${r.subflows.length} subflow${r.subflows.length === 1 ? "" : "s"}`;
    this.out.write(`\r\x1b[2K${text}`);
    this.shown = true;
  }

  private clear(): void {
    if (!this.shown) return;
    this.out.write("\r\x1b[2K");
    this.shown = false;
  }

  stop(): void {
    clearInterval(this.timer);
    this.clear();
  }
}
