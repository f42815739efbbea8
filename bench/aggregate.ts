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

const MPTCP_PY = `
import socket, sys, time
IPPROTO_MPTCP = 262
mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
proto = IPPROTO_MPTCP if len(sys.argv) < 6 else 0  # a 5th argument: plain TCP
if mode == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1); print("ready", flush=True)
    c, _ = s.accept(); got = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        got += len(b)
    print(got, flush=True)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    c.connect((host, port)); buf = bytes(1 << 20); left = n
    while left > 0:
        left -= c.send(buf[: min(left, len(buf))])
    c.shutdown(socket.SHUT_WR); c.recv(1)
`;

async function timed(t: Topology, server: string[], client: string[], ready: RegExp): Promise<number> {
  const srv = Bun.spawn(t.exec("b", server), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const readers = [srv.stdout, srv.stderr].map(async (s) => {
    for await (const c of s as ReadableStream<Uint8Array>) log += new TextDecoder().decode(c);
  });
  const t0 = Date.now();
  while (!ready.test(log)) {
    if (Date.now() - t0 > 10_000) throw new Error(`server did not start: ${log}`);
    await Bun.sleep(20);
  }
  const start = performance.now();
  const cli = Bun.spawn(["sh", "-c", `head -c ${bytes} /dev/zero | ${client.map((a) => `'${a}'`).join(" ")}`], { stdout: "ignore", stderr: "pipe" });
  const [cc, sc] = await Promise.all([cli.exited, srv.exited]);
  const secs = (performance.now() - start) / 1000;
  await Promise.all(readers);
  if (cc !== 0 || sc !== 0) throw new Error(`exit ${cc}/${sc}: ${log} ${await new Response(cli.stderr).text()}`);
  return (bytes * 8) / secs / 1e6;
}

const bondcatRun = (t: Topology, endpoints: string[]) =>
  timed(t, [BUN, CLI, "-l", "-p", "9000"], [...t.exec("a", []), BUN, CLI, "-a", ...endpoints], /listening on/);

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
