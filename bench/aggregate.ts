/**
 * Aggregation on shaped links: two hosts in network namespaces joined by veth links rate-limited with
 * tbf. Measures, in one run: each link alone (bondcat, one endpoint), bondcat over all links, and kernel
 * MPTCP over the same links (python3 socket(IPPROTO_MPTCP), `ip mptcp endpoint`). Needs root.
 *
 * Also a plain single TCP stream over the fastest link (python3, same pipes as MPTCP) as "one TCP".
 *
 *   bun bench/aggregate.ts [--rates 60mbit,20mbit] [--size 48M]
 *   bun bench/aggregate.ts --mixes '60mbit,20mbit;100mbit,10mbit' --svg docs/img/aggregation.svg
 */
import { spawnSync } from "node:child_process";
import { Topology, networkSkipReason } from "../test/helpers/netns.ts";
import { BUN, CLI, machineNote } from "./lib.ts";
import { MPTCP_PY, timedTransfer } from "./netns-run.ts";
import { barChart, writeChart } from "./svg.ts";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const mixes = opt("--mixes", opt("--rates", "60mbit,20mbit")).split(";").map((m) => m.split(","));
const svgPath = opt("--svg", "");
const sizeMB = Number.parseInt(opt("--size", "48M"), 10);
const bytes = sizeMB << 20;

const skip = networkSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}

const timed = (t: Topology, server: string[], client: string[], ready: RegExp, dataOnStdout = false) =>
  timedTransfer(t, server, client, ready, bytes, dataOnStdout);

const bondcatRun = (t: Topology, endpoints: string[]) =>
  timed(t, [BUN, CLI, "-l", "-p", "9000"], [...t.exec("a", []), BUN, CLI, "-a", ...endpoints], /listening on/, true);

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

/** One link mix: each link alone, bondcat bonded, kernel MPTCP, one plain TCP stream. Mbit/s each. */
async function measureMix(rates: string[]): Promise<{ bonded: number; mptcp: number | null; tcp: number }> {
  const t = new Topology(rates.map((rate) => ({ rate })));
  const rows: [string, number][] = [];
  try {
    for (const l of t.links) rows.push([`bondcat, link ${l.index} alone (${rates[l.index]})`, await bondcatRun(t, [`${l.b4}:9000`])]);
    const singleSum = rows.reduce((a, [, v]) => a + v, 0);
    const bonded = await bondcatRun(t, t.links.map((l) => `${l.b4}:9000`));
    rows.push([`bondcat over all ${t.links.length} links`, bonded]);
    const fastest = t.links[rows.slice(0, t.links.length).reduce((bi, [, v], i, a) => (v > a[bi]![1] ? i : bi), 0)]!;
    const py = (mode: string, host: string, port: string, n: string, tcp: boolean) =>
      ["python3", "-c", MPTCP_PY, mode, host, port, n, ...(tcp ? ["tcp"] : [])];
    const tcp = await timed(t, py("server", "0", "9002", "0", true), [...t.exec("a", []), ...py("client", fastest.b4, "9002", String(bytes), true)], /ready/);
    rows.push([`one plain TCP stream (link ${fastest.index})`, tcp]);
    let mptcp: number | null = null;
    if (setupMptcp(t)) {
      try {
        mptcp = await timed(t, py("server", "0", "9001", "0", false), [...t.exec("a", []), ...py("client", t.links[0]!.b4, "9001", String(bytes), false)], /ready/);
        rows.push([`kernel MPTCP over all ${t.links.length} links`, mptcp]);
      } catch (err) {
        console.error(`MPTCP run failed: ${(err as Error).message}`);
      }
    }
    console.log(`\n${sizeMB} MiB per transfer over tbf-shaped veth links (${rates.join(" + ")})\n`);
    console.log("| run | Mbit/s | % of the links' single-path sum |");
    console.log("|---|---:|---:|");
    for (const [name, v] of rows) {
      const pct = name.includes("alone") ? "—" : `${((v / singleSum) * 100).toFixed(0)}%`;
      console.log(`| ${name} | ${v.toFixed(1)} | ${pct} |`);
    }
    return { bonded, mptcp, tcp };
  } finally {
    t.destroy();
  }
}

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
