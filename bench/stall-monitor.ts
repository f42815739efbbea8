/**
 * Event-loop stalls of a bondcat process, measured inside it: `bun --preload bench/stall-monitor.ts
 * bin/bondcat.js …` with STALL_FILE=path. A 5 ms timer notes every gap between its ticks over 10 ms as
 * "epoch-ms gap-ms cpu-ms", where cpu-ms is the CPU time the process used during the gap: on a loaded
 * machine a gap is mostly waiting for a core, and the CPU figure is what the process itself spent
 * (its own work blocking the loop; GC helper threads can make it exceed the gap). `stallsIn` reads it.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";

export interface Stall {
  /** Longest gap between ticks (wall clock), and the CPU the process used in its longest-CPU gap, ms. */
  wallMs: number;
  cpuMs: number;
}

/** The worst gaps noted in `file` between the epoch-ms times `from` and `to`. */
export function stallsIn(file: string, from: number, to: number): Stall {
  const out = { wallMs: 0, cpuMs: 0 };
  if (!existsSync(file)) return out;
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const [at, wall, cpu] = line.split(" ").map(Number);
    if (at === undefined || wall === undefined || cpu === undefined || !(at >= from && at <= to)) continue;
    out.wallMs = Math.max(out.wallMs, wall);
    out.cpuMs = Math.max(out.cpuMs, Math.min(cpu, wall));
  }
  return out;
}

const file = process.env.STALL_FILE;
if (file && process.argv.some((a) => a.endsWith("bondcat.js"))) {
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const gap = now - last;
    if (gap > 10) {
      const used = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
      appendFileSync(file, `${Date.now()} ${gap.toFixed(1)} ${used.toFixed(1)}\n`);
    }
    last = now;
    lastCpu = cpu;
  }, 5).unref();
}
