/**
 * Aggregation on shaped links: two hosts in network namespaces joined by veth links rate-limited with
 * tbf. Measures, in one run: each link alone (bondcat, one endpoint), bondcat over all links, and kernel
 * MPTCP over the same links (python3 socket(IPPROTO_MPTCP), `ip mptcp endpoint`), plus a plain single TCP
 * stream over the fastest link ("one TCP"). Every tool is timed the same way, on the receiving side, from
 * the first to the last byte (bench/netns-run.ts, bench/gap-meter.py). Needs root.
 *
 * BONDCAT_BEFORE=<another checkout>: that checkout's bondcat (both ends) over all links too, in the same
 * rounds, for before/after comparisons; --rounds N repeats bonded / before / MPTCP, interleaved.
 *
 *   bun bench/aggregate.ts [--rates 60mbit,20mbit] [--size 48M] [--rounds 1]
 *   bun bench/aggregate.ts --mixes '60mbit,20mbit;100mbit,10mbit' --svg docs/img/aggregation.svg
 */
import { spawnSync } from "node:child_process";
import { Topology, networkSkipReason } from "../test/helpers/netns.ts";
import { BUN, CLI, machineNote, median } from "./lib.ts";
import { meteredStdout, meteredTransfer, type Received, socketPair } from "./netns-run.ts";
import { barChart, writeChart } from "./svg.ts";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const mixes = opt("--mixes", opt("--rates", "60mbit,20mbit")).split(";").map((m) => m.split(","));
const svgPath = opt("--svg", "");
const sizeMB = Number.parseInt(opt("--size", "48M"), 10);
const rounds = Number(opt("--rounds", "1"));
const bytes = sizeMB << 20;
const BEFORE = process.env.BONDCAT_BEFORE;

const skip = networkSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}

const bondcatRun = (t: Topology, endpoints: string[], cli = CLI) =>
  meteredTransfer(t, meteredStdout(`${BUN} ${cli} -l -p 9000`, bytes), t.exec("a", [BUN, cli, "-a", ...endpoints]), /listening on/, bytes);

function setupMptcp(t: Topology): boolean {
  const ok = (cmd: string[]) => spawnSync(cmd[0]!, cmd.slice(1)).status === 0;
  const n = t.links.length - 1;
  if (!ok(["ip", "netns", "exec", t.a, "sysctl", "-q", "net.mptcp.enabled=1"])) return false;
  ok(["ip", "netns", "exec", t.b, "sysctl", "-q", "net.mptcp.enabled=1"]);
  ok(["ip", "-n", t.a, "mptcp", "limits", "set", "subflow", String(n), "add_addr_accepted", String(n)]);
  ok(["ip", "-n", t.b, "mptcp", "limits", "set", "subflow", String(n), "add_addr_accepted", String(n)]);
  // The listener announces its other addresses; the client opens a subflow to each.
  for (const l of t.links.slice(1)) ok(["ip", "-n", t.b, "mptcp", "endpoint", "add", l.b4, "dev", l.ifB, "signal"]);
  return true;
}

const fmt = (xs: number[]) => (xs.length === 0 ? "—" : `${median(xs).toFixed(1)}${xs.length > 1 ? ` (${xs.map((x) => x.toFixed(1)).join(" / ")})` : ""}`);
const first = (rs: Received[]) => rs.map((r) => r.mbps);
const mid = (rs: Received[]) => rs.map((r) => r.midMbps);

/** One link mix: each link alone, then rounds of bondcat bonded / before / MPTCP, one plain TCP stream. */
async function measureMix(rates: string[]): Promise<{ bonded: number; mptcp: number | null; tcp: number }> {
  const t = new Topology(rates.map((rate) => ({ rate })));
  try {
    const single: number[] = [];
    for (const l of t.links) single.push((await bondcatRun(t, [`${l.b4}:9000`])).mbps);
    const singleSum = single.reduce((a, v) => a + v, 0);
    const fastest = t.links[single.indexOf(Math.max(...single))]!;
    const all = t.links.map((l) => `${l.b4}:9000`);
    const mptcpOk = setupMptcp(t);
    const bonded: Received[] = [];
    const before: Received[] = [];
    const mptcp: Received[] = [];
    for (let r = 0; r < rounds; r++) {
      bonded.push(await bondcatRun(t, all));
      if (BEFORE) before.push(await bondcatRun(t, all, `${BEFORE}/bin/bondcat.js`));
      if (mptcpOk) {
        const p = socketPair(t, t.links[0]!.b4, 9001, bytes, false);
        try {
          mptcp.push(await meteredTransfer(t, p.server, p.client, /ready/, bytes));
        } catch (err) {
          console.error(`MPTCP run failed: ${(err as Error).message}`);
        }
      }
    }
    const p = socketPair(t, fastest.b4, 9002, bytes, true);
    const tcp = await meteredTransfer(t, p.server, p.client, /ready/, bytes);
    const rows: [string, Received[]][] = [
      [`bondcat over all ${t.links.length} links`, bonded],
      ...(BEFORE ? [[`bondcat before (${BEFORE}) over all ${t.links.length} links`, before] as [string, Received[]]] : []),
      [`kernel MPTCP over all ${t.links.length} links`, mptcp],
      [`one plain TCP stream (link ${fastest.index})`, [tcp]],
    ];
    console.log(`\n${sizeMB} MiB per transfer over tbf-shaped veth links (${rates.join(" + ")}); Mbit/s at the receiver, median (each round)\n`);
    console.log("| run | first → last byte | middle 80% of the bytes | first → last, % of the links' single-path sum |");
    console.log("|---|---:|---:|---:|");
    single.forEach((v, i) => console.log(`| bondcat, link ${i} alone (${rates[i]}) | ${v.toFixed(1)} | — | — |`));
    for (const [name, v] of rows) {
      const pct = v.length === 0 ? "—" : `${((median(first(v)) / singleSum) * 100).toFixed(0)}%`;
      console.log(`| ${name} | ${fmt(first(v))} | ${fmt(mid(v))} | ${pct} |`);
    }
    if (mptcp.length === rounds) {
      const ratios = (xs: number[], to: number[]) => xs.map((x, i) => x / to[i]!);
      const line = (what: string, rs: Received[]) => {
        const [a, b] = [ratios(first(rs), first(mptcp)), ratios(mid(rs), mid(mptcp))];
        const f = (xs: number[]) => `${xs.map((x) => x.toFixed(3)).join(" / ")} (median ${median(xs).toFixed(3)})`;
        console.log(`\n${what} / MPTCP in the same round, first → last byte: ${f(a)}; middle 80%: ${f(b)}`);
      };
      line("bondcat", bonded);
      if (BEFORE) line("before", before);
    }
    return { bonded: median(first(bonded)), mptcp: mptcp.length > 0 ? median(first(mptcp)) : null, tcp: tcp.mbps };
  } finally {
    t.destroy();
  }
}

console.log(`# ${spawnSync("uptime", { encoding: "utf8" }).stdout.trim()}`);
const results = [];
for (const rates of mixes) results.push({ rates, ...(await measureMix(rates)) });
if (svgPath !== "") {
  const chart = barChart({
    title: "Aggregation over tbf-shaped links (namespaces)",
    unit: "Mbit/s",
    groups: results.map((r) => r.rates.join(" + ")),
    series: [
      { name: "bondcat (all links)", values: results.map((r) => r.bonded) },
      { name: "kernel MPTCP (all links)", values: results.map((r) => r.mptcp ?? Number.NaN) },
      { name: "one TCP stream (fastest link)", values: results.map((r) => r.tcp) },
    ],
    note: `bun bench/aggregate.ts --mixes '${mixes.map((m) => m.join(",")).join(";")}' --size ${sizeMB}M · ${machineNote()}`,
  });
  console.error(`chart: ${writeChart(svgPath, chart)}`);
}
console.log(`\n# ${machineNote()} · ${spawnSync("uptime", { encoding: "utf8" }).stdout.trim()}`);
