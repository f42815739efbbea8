/**
 * A fleet behind HAProxy (docs/DEPLOY.md scale notes):
 *   1. sessions per relay: N idle sessions × 4 subflows opened (library API, one process) through
 *      HAProxy to ONE relay; the relay's RSS before/after and its CPU while idle (heartbeats);
 *   2. aggregate throughput: C clients (`bondcat -b -x 4`) at once through HAProxy to 3 relays, and the
 *      same C clients straight to the relays, interleaved rounds.
 *   3. what the PROXY front of a ws:// relay costs (HAProxy ws → one relay, with/without --proxy-protocol).
 * Usage: bun bench/fleet.ts [--sessions 100] [--clients 6] [--seconds 5] [--rounds 2] [--ws-front-only]
 */
import { readFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../src/api/index.ts";
import { haproxyTcp, haproxyWs } from "../test/helpers/balancers.ts";
import { BUN, CLI, freePort, machineNote, median, waitForPort } from "./lib.ts";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const SESSIONS = arg("sessions", 100);
const CLIENTS = arg("clients", 6);
const SECONDS = arg("seconds", 5);
const ROUNDS = arg("rounds", 2);
const dir = mkdtempSync(join(tmpdir(), "bondcat-fleet-bench-"));

type Child = ReturnType<typeof Bun.spawn>;
const children: Child[] = [];
function spawn(cmd: string[], stderr: "pipe" | "ignore" = "ignore"): Child {
  const c = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr });
  children.push(c);
  return c;
}

async function relay(extra: string[], scheme = "tcp", path = ""): Promise<{ proc: Child; addr: string }> {
  const port = await freePort();
  const proc = spawn([BUN, CLI, "-l", "-k", "--listen", `${scheme}://127.0.0.1:${port}${path}`, ...extra]);
  await waitForPort(port);
  return { proc, addr: `127.0.0.1:${port}` };
}

async function haproxy(relays: string[], config = haproxyTcp): Promise<number> {
  const port = await freePort();
  const file = join(dir, `haproxy-${port}.cfg`);
  await Bun.write(file, config({ bind: `127.0.0.1:${port}`, relays, checkInter: "2s" }));
  spawn(["haproxy", "-db", "-f", file]);
  await waitForPort(port);
  return port;
}

const rssMB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]) / 1024;
/** utime + stime of a process, seconds. */
const cpuS = (pid: number) => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

async function sessionsPerRelay(): Promise<void> {
  const r = await relay(["--proxy-protocol"]);
  const port = await haproxy([r.addr]);
  await Bun.sleep(1000);
  const rss0 = rssMB(r.proc.pid);
  const streams = [];
  const t0 = performance.now();
  for (let i = 0; i < SESSIONS; i++) streams.push(await connect(`tcp://127.0.0.1:${port}`, { multiplier: 4, autoDetect: false }));
  const openS = (performance.now() - t0) / 1000;
  await Bun.sleep(2000);
  const rss1 = rssMB(r.proc.pid);
  const c0 = cpuS(r.proc.pid);
  await Bun.sleep(5000);
  const idleCpu = (cpuS(r.proc.pid) - c0) / 5;
  console.log(`\n### Sessions per relay (${SESSIONS} sessions × 4 subflows through HAProxy to one relay)\n`);
  console.log("| sessions | subflows | opened in | relay RSS before → after | per session | relay CPU while idle |");
  console.log("|---:|---:|---:|---:|---:|---:|");
  console.log(`| ${SESSIONS} | ${SESSIONS * 4} | ${openS.toFixed(1)} s | ${rss0.toFixed(0)} → ${rss1.toFixed(0)} MB | ${((rss1 - rss0) / SESSIONS).toFixed(2)} MB | ${(idleCpu * 100).toFixed(1)}% of a core |`);
  for (const s of streams) s.destroy();
  r.proc.kill();
}

async function clientsAt(targets: string[]): Promise<number> {
  const procs = targets.map((t) => spawn([BUN, CLI, "-b", "--duration", `${SECONDS}s`, "-x", "4", "-a", t], "pipe"));
  const outs = await Promise.all(procs.map(async (p) => {
    await p.exited;
    return new Response(p.stderr as ReadableStream).text();
  }));
  const UNIT: Record<string, number> = { B: 1, KiB: 1 << 10, MiB: 1 << 20, GiB: 1 << 30 };
  const rate = (o: string) => {
    const m = /benchmark done after [^:]+: TX [^(]+\(([\d.]+) (B|KiB|MiB|GiB)\/s/.exec(o);
    if (!m) console.error(o);
    return m ? (Number(m[1]) * UNIT[m[2]!]! * 8) / 1e9 : Number.NaN;
  };
  return outs.reduce((sum, o) => sum + rate(o), 0);
}

async function throughput(): Promise<void> {
  const relays = await Promise.all([0, 1, 2].map(() => relay(["--proxy-protocol"])));
  const direct = await Promise.all([0, 1, 2].map(() => relay([])));
  const port = await haproxy(relays.map((r) => r.addr));
  const via: number[] = [];
  const straight: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    via.push(await clientsAt(Array.from({ length: CLIENTS }, () => `tcp://127.0.0.1:${port}`)));
    straight.push(await clientsAt(Array.from({ length: CLIENTS }, (_, i) => `tcp://${direct[i % 3]!.addr}`)));
  }
  console.log(`\n### Aggregate throughput (${CLIENTS} clients × 4 subflows, ${SECONDS} s, -b, median of ${ROUNDS} interleaved rounds)\n`);
  console.log("| path | aggregate Gbit/s | rounds |");
  console.log("|---|---:|---|");
  console.log(`| through HAProxy (tcp, stick table, PROXY v2) to 3 relays | ${median(via).toFixed(2)} | ${via.map((v) => v.toFixed(2)).join(", ")} |`);
  console.log(`| straight to the 3 relays | ${median(straight).toFixed(2)} | ${straight.map((v) => v.toFixed(2)).join(", ")} |`);
}

/** What the PROXY front of a ws:// relay costs: HAProxy ws → one relay, with and without --proxy-protocol. */
async function wsFront(): Promise<void> {
  const plain = await relay([], "ws", "/bond");
  const fronted = await relay(["--proxy-protocol"], "ws", "/bond");
  const noProxyWs = (f: Parameters<typeof haproxyWs>[0]) => haproxyWs(f).replaceAll(" send-proxy-v2 check-send-proxy", "");
  const p1 = await haproxy([plain.addr], noProxyWs);
  const p2 = await haproxy([fronted.addr], haproxyWs);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    a.push(await clientsAt([`ws://127.0.0.1:${p1}/bond`]));
    b.push(await clientsAt([`ws://127.0.0.1:${p2}/bond`]));
  }
  console.log(`\n### ws:// relay behind HAProxy, with and without --proxy-protocol (1 client × 4 subflows, ${SECONDS} s, -b, median of ${ROUNDS})\n`);
  console.log("| relay | Gbit/s (median) | rounds |");
  console.log("|---|---:|---|");
  console.log(`| ws://, no PROXY header | ${median(a).toFixed(2)} | ${a.map((v) => v.toFixed(2)).join(", ")} |`);
  console.log(`| ws:// --proxy-protocol (front + splice) | ${median(b).toFixed(2)} | ${b.map((v) => v.toFixed(2)).join(", ")} |`);
}

try {
  console.log(machineNote());
  if (!process.argv.includes("--ws-front-only")) {
    await sessionsPerRelay();
    await throughput();
  }
  await wsFront();
} finally {
  for (const c of children) c.kill();
  rmSync(dir, { recursive: true, force: true });
}
