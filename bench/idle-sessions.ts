/**
 * What idle sessions cost a relay listener: N sessions (one subflow each, opened by this one process
 * through the library API) sit idle on `bondcat -l -k --relay`; the listener's CPU share and RSS are
 * read from /proc while nothing moves.
 *   bun bench/idle-sessions.ts [--sessions 2000] [--settle 5] [--measure 20]
 * The fd limit is raised (sh ulimit) for the listener and, by re-running itself, for this process.
 */
import { readFileSync } from "node:fs";
import { connect, type BondedStream } from "../src/api/index.ts";
import { BUN, CLI, machineNote } from "./lib.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const N = opt("--sessions", 2000);
const SETTLE_S = opt("--settle", 5);
const MEASURE_S = opt("--measure", 20);
const FDS = 4 * N + 1024;

if (process.env.BONDCAT_IDLE_BENCH_CHILD === undefined) {
  // Re-run under a raised fd limit (a process cannot raise its own hard limit from Bun).
  const p = Bun.spawn(["sh", "-c", `ulimit -n ${FDS} && exec "$0" "$@"`, BUN, import.meta.path, ...args], {
    env: { ...process.env, BONDCAT_IDLE_BENCH_CHILD: "1" },
    stdio: ["inherit", "inherit", "inherit"],
  });
  process.exit(await p.exited);
}

const CLK_TCK = 100;
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]); // utime + stime
}
function statusKiB(pid: number, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) : Number.NaN;
}

// All sessions come from one address: the listener's admission limits (issue 7) are raised to fit.
const limits = ["--max-sessions", String(N + 64), "--max-sessions-per-addr", String(N + 64)];

// The relay target: accepts and holds connections, never writes.
const target = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {}, open() {}, close() {} } });

const listener = Bun.spawn(["sh", "-c", `ulimit -n ${FDS} && exec "$0" "$@"`, BUN, CLI, "-l", "-k", "-p", "0", "-4", "--relay", `127.0.0.1:${target.port}`, ...limits], {
  stdin: "ignore",
  stdout: "ignore",
  stderr: "pipe",
});
const port = await (async () => {
  const reader = listener.stderr.getReader();
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`listener exited: ${text}`);
    text += new TextDecoder().decode(value);
    const m = /listening on tcp:\/\/[^\s]*:(\d+)/.exec(text);
    if (m) {
      void (async () => {
        for (;;) if ((await reader.read()).done) break;
      })();
      return Number(m[1]);
    }
  }
})();

const t0 = performance.now();
const streams: BondedStream[] = [];
const BATCH = 100;
for (let i = 0; i < N; i += BATCH) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(BATCH, N - i) }, () => connect(`127.0.0.1:${port}`, { autoDetect: false })),
  );
  for (const s of batch) s.on("error", () => {});
  streams.push(...batch);
}
const openMs = performance.now() - t0;
console.error(`${N} sessions open in ${(openMs / 1000).toFixed(1)} s; settling ${SETTLE_S} s`);
await Bun.sleep(SETTLE_S * 1000);

const pid = listener.pid;
const c0 = cpuTicks(pid);
const w0 = performance.now();
const selfC0 = process.cpuUsage();
await Bun.sleep(MEASURE_S * 1000);
const cpuPct = ((cpuTicks(pid) - c0) / CLK_TCK / ((performance.now() - w0) / 1000)) * 100;
const self = process.cpuUsage(selfC0);
const selfPct = ((self.user + self.system) / 1e6 / ((performance.now() - w0) / 1000)) * 100;
const rssMiB = statusKiB(pid, "VmRSS") / 1024;
const hwmMiB = statusKiB(pid, "VmHWM") / 1024;
const alive = streams.filter((s) => !s.destroyed).length;

console.log(`\n${N} idle relay sessions (one subflow each), ${MEASURE_S} s measured after ${SETTLE_S} s settling; ${machineNote()}\n`);
console.log("| sessions alive | listener CPU (% of a core) | listener RSS MiB | listener peak RSS MiB | client process CPU % |");
console.log("|---:|---:|---:|---:|---:|");
console.log(`| ${alive} / ${N} | ${cpuPct.toFixed(1)} | ${rssMiB.toFixed(0)} | ${hwmMiB.toFixed(0)} | ${selfPct.toFixed(1)} |`);

for (const s of streams) s.destroy();
listener.kill("SIGKILL");
target.stop(true);
process.exit(alive === N ? 0 : 1);
