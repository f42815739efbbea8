/** Shared bench plumbing: run a sender/receiver pair through FIFOs, measure wall, CPU and peak RSS. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..");
export const CLI = join(ROOT, "bin", "bondcat.js");
export const BUN = process.execPath;
export const GiB = 1 << 30;

export interface Measure {
  seconds: number;
  gbps: number;
  cpuSeconds: number;
  peakRssMB: number;
  /** CPU seconds of each process (not per GiB): sender user, sender system, receiver user, receiver system. */
  perProcess: [number, number, number, number];
}

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

/**
 * `receiver(port)` and `sender(port)` are shell command lines (without redirections). The sender reads
 * `bytes` from `head -c … /dev/zero` through a FIFO; the receiver writes into a FIFO drained by `cat`.
 * Each runs under `exec`, so its resource usage is its own.
 */
export async function measurePair(
  bytes: number,
  receiver: (port: number) => string,
  sender: (port: number) => string,
  ready: (port: number) => Promise<void>,
): Promise<Measure> {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-bench-"));
  const fin = join(dir, "in");
  const fout = join(dir, "out");
  Bun.spawnSync(["mkfifo", fin, fout]);
  const port = await freePort();
  try {
    const drain = Bun.spawn(["sh", "-c", `exec cat ${q(fout)} > /dev/null`]);
    const recv = Bun.spawn(["sh", "-c", `exec ${receiver(port)} > ${q(fout)} < /dev/null`], { stderr: "pipe" });
    await ready(port);
    const t0 = performance.now();
    const feed = Bun.spawn(["sh", "-c", `exec head -c ${bytes} /dev/zero > ${q(fin)}`]);
    const send = Bun.spawn(["sh", "-c", `exec ${sender(port)} < ${q(fin)} > /dev/null`], { stderr: "pipe" });
    const [sc, rc] = await Promise.all([send.exited, recv.exited, feed.exited]);
    const seconds = (performance.now() - t0) / 1000;
    await drain.exited;
    if (sc !== 0 || rc !== 0) {
      throw new Error(`exit codes ${sc}/${rc}: ${await new Response(send.stderr).text()} ${await new Response(recv.stderr).text()}`);
    }
    const ru = [send.resourceUsage()!, recv.resourceUsage()!];
    const cpu = ru.reduce((a, r) => a + Number(r.cpuTime.user + r.cpuTime.system) / 1e6, 0);
    const [s, r] = ru.map((u) => [Number(u.cpuTime.user) / 1e6, Number(u.cpuTime.system) / 1e6]);
    return {
      perProcess: [s![0]!, s![1]!, r![0]!, r![1]!],
      seconds,
      gbps: (bytes * 8) / seconds / 1e9,
      cpuSeconds: cpu / (bytes / GiB),
      peakRssMB: Math.max(...ru.map((r) => Number(r.maxRSS))) / 1048576,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Wait until a socket listens on port (asked of `ss`, so a one-shot listener's accept is not used up). */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const r = Bun.spawnSync(["ss", "-ltnH", `( sport = :${port} )`]);
    if (new TextDecoder().decode(r.stdout).trim() !== "") return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`nothing listening on ${port}`);
    await Bun.sleep(20);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** `cli`: another checkout's bin/bondcat.js, for before/after comparisons in one run. */
/** `--name VALUE` from the command line, else `dflt`. */
export function argOpt(name: string, dflt: string): string {
  const args = process.argv.slice(2);
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
}

/** "1G", "512M", "64K" → bytes. */
export function parseSize(text: string): number {
  return Number.parseFloat(text) * ({ K: 1024, M: 1 << 20, G: GiB } as Record<string, number>)[text.slice(-1).toUpperCase()]!;
}

export const bondcatCmd = (args: string, cli = CLI) => `${q(BUN)} ${q(cli)} ${args}`;

/** Where and when a measurement ran, for chart captions: "2 cores, load 1.2, 2026-11-30". */
export function machineNote(): string {
  const os = require("node:os") as typeof import("node:os");
  return `${os.cpus().length} cores, load ${os.loadavg()[0]!.toFixed(1)}, ${new Date().toISOString().slice(0, 10)}`;
}
