/**
 * Per-path throughput around a silent cut, bondcat beside kernel MPTCP in the same run: two hosts in
 * network namespaces joined by two tbf-shaped links; link 0 is cut silently (nftables drop) mid-
 * transfer. What arrives on each link of the receiving host is counted by nftables counters that sit
 * *after* the cut's drop (so dropped packets are not counted), sampled every 50 ms, and drawn as
 * Mbit/s per path over time, in ~100 ms bins (docs/img/failover-timeline.svg). The clock starts when
 * the first MiB has arrived. Needs root.
 *
 *   bun bench/failover-timeline.ts [--rate 200mbit] [--size 96M] [--cut-at 1.5] [--svg docs/img/failover-timeline.svg]
 */
import { spawnSync } from "node:child_process";
import { networkSkipReason, Topology } from "../test/helpers/netns.ts";
import { BUN, CLI, machineNote } from "./lib.ts";
import { lineChart, writeChart } from "./svg.ts";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const rate = opt("--rate", "200mbit");
const sizeMB = Number.parseInt(opt("--size", "96M"), 10);
const cutAt = Number(opt("--cut-at", "1.5"));
const svgPath = opt("--svg", "");
const BIN_MS = 100;

const skip = networkSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}

const sh = (cmd: string[], input?: string) => spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", input });

/** Named nftables counters on host b's links, at ingress priority 10 (after the cut's drop at 0). */
function meter(t: Topology): () => number[] {
  const chains = t.links.map((l) =>
    ` counter l${l.index} {}\n chain c${l.index} {\n  type filter hook ingress device "${l.ifB}" priority 10; policy accept;\n  counter name "l${l.index}"\n }`);
  const r = sh(t.exec("b", ["nft", "-f", "-"]), `table netdev bcmeter {\n${chains.join("\n")}\n}\n`);
  if (r.status !== 0) throw new Error(`nft: ${r.stderr}`);
  return () => {
    const out = sh(t.exec("b", ["nft", "-j", "list", "counters", "table", "netdev", "bcmeter"])).stdout;
    const bytes = new Array<number>(t.links.length).fill(0);
    for (const item of (JSON.parse(out) as { nftables: { counter?: { name: string; bytes: number } }[] }).nftables) {
      if (item.counter) bytes[Number(item.counter.name.slice(1))] = item.counter.bytes;
    }
    return bytes;
  };
}

interface Trace {
  /** [seconds relative to the cut, Mbit/s] per link. */
  perLink: [number, number][][];
}

/** Run `server` in b and `client` in a with `bytes` of zeros on stdin; cut link 0 after cutAt s. */
async function traced(server: string[], client: string[], ready: RegExp, setup?: (t: Topology) => void): Promise<Trace> {
  const t = new Topology([{ rate }, { rate }]);
  try {
    setup?.(t);
    const read = meter(t);
    const srv = Bun.spawn(t.exec("b", server), { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    let log = "";
    void (async () => {
      for await (const c of srv.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(c);
    })();
    for (const t0 = Date.now(); !ready.test(log); await Bun.sleep(20)) {
      if (Date.now() - t0 > 10_000) throw new Error(`server did not start: ${log}`);
    }
    const cli = Bun.spawn(["sh", "-c", `head -c ${sizeMB}M /dev/zero | ${t.exec("a", client).map((a) => `'${a}'`).join(" ")}`], { stdout: "ignore", stderr: "pipe" });
    // The clock starts when data flows (1 MiB arrived), not at spawn: process start-up varies.
    let t0 = Number.NaN;
    const samples: [number, number[]][] = [];
    let cutDone = false;
    let exited = false;
    void Promise.all([cli.exited, srv.exited]).then(() => (exited = true));
    const sample = () => {
      const before = performance.now();
      const bytes = read();
      const at = (before + performance.now()) / 2;
      if (Number.isNaN(t0) && bytes.reduce((a, b) => a + b, 0) > 1 << 20) t0 = at;
      if (!Number.isNaN(t0)) samples.push([(at - t0) / 1000, bytes]);
    };
    while (!exited) {
      sample();
      if (!cutDone && samples.length > 0 && samples.at(-1)![0] >= cutAt) {
        t.cut(0);
        cutDone = true;
      }
      await Bun.sleep(BIN_MS / 2);
    }
    sample();
    if ((await cli.exited) !== 0 || (await srv.exited) !== 0) throw new Error(`exit codes: ${await cli.exited}/${await srv.exited} ${log}`);
    // Rates per link between consecutive samples, x centred on the interval, relative to the cut.
    const perLink = t.links.map((_, i) => {
      const pts: [number, number][] = [];
      for (let k = 2; k < samples.length; k += 2) {
        const [s0, b0] = samples[k - 2]!;
        const [s1, b1] = samples[k]!;
        pts.push([(s0 + s1) / 2 - cutAt, ((b1[i]! - b0[i]!) * 8) / (s1 - s0) / 1e6]);
      }
      return pts;
    });
    return { perLink };
  } finally {
    t.destroy();
  }
}

const MPTCP_PY = `
import socket, sys
IPPROTO_MPTCP = 262
if sys.argv[1] == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", 9001)); s.listen(1); print("ready", file=sys.stderr, flush=True)
    c, _ = s.accept()
    while c.recv(1 << 20): pass
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, IPPROTO_MPTCP)
    c.connect((sys.argv[2], 9001))
    while True:
        b = sys.stdin.buffer.read(1 << 20)
        if not b: break
        c.sendall(b)
    c.shutdown(socket.SHUT_WR); c.recv(1)
`;

function mptcpSetup(t: Topology): void {
  for (const ns of [t.a, t.b]) {
    sh(["ip", "netns", "exec", ns, "sysctl", "-q", "net.mptcp.enabled=1"]);
    sh(["ip", "-n", ns, "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "2"]);
  }
  const l1 = t.links[1]!;
  sh(["ip", "-n", t.b, "mptcp", "endpoint", "add", l1.b4, "dev", l1.ifB, "signal"]);
}

const bondcat = await traced([BUN, CLI, "-l", "-p", "9000"], [BUN, CLI, "-a", "198.18.0.2:9000", "198.18.1.2:9000"], /listening on/);
const mptcp = await traced(["python3", "-c", MPTCP_PY, "server"], ["python3", "-c", MPTCP_PY, "client", "198.18.0.2"], /ready/, mptcpSetup);

const gapAfterCut = (tr: Trace) => {
  // Longest run of bins after the cut in which the links together carried < 5% of the link rate.
  const sum = tr.perLink[0]!.map(([x, y], k) => [x, y + (tr.perLink[1]![k]?.[1] ?? 0)] as const);
  const floor = (Number.parseInt(rate, 10) || 100) * 0.05;
  // Only up to the last bin that still carried data: after the transfer's end nothing flows anyway.
  const lastBusy = sum.reduce((last, [x, y]) => (y >= floor ? x : last), 0);
  let best = 0;
  let run = 0;
  let prev = 0;
  for (const [x, y] of sum.filter(([x]) => x <= lastBusy)) {
    if (x >= 0 && y < floor) run += x - prev;
    else run = 0;
    best = Math.max(best, run);
    prev = x;
  }
  return best;
};
console.log(`# ${sh(["uptime"]).stdout.trim()}`);
console.log(`| run | longest time below 5% of one link's rate after the cut (s, ~${BIN_MS} ms bins) |`);
console.log("|---|---:|");
console.log(`| bondcat | ${gapAfterCut(bondcat).toFixed(2)} |`);
console.log(`| kernel MPTCP | ${gapAfterCut(mptcp).toFixed(2)} |`);

if (svgPath !== "") {
  const chart = lineChart({
    title: `Per-path throughput around a silent cut of path 1 (2 × ${rate}, namespaces)`,
    xLabel: "seconds from the cut",
    unit: "Mbit/s arriving per path",
    series: [
      { name: "bondcat path 1 (cut)", points: bondcat.perLink[0]! },
      { name: "bondcat path 2", points: bondcat.perLink[1]! },
      { name: "MPTCP path 1 (cut)", points: mptcp.perLink[0]! },
      { name: "MPTCP path 2", points: mptcp.perLink[1]! },
    ],
    markers: [{ x: 0, label: "path 1 silently cut" }],
    note: `bun bench/failover-timeline.ts --rate ${rate} --size ${sizeMB}M --cut-at ${cutAt} · ${machineNote()}`,
  });
  console.error(`chart: ${writeChart(svgPath, chart)}`);
}
