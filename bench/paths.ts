/**
 * Paths found without flags, on tbf-shaped links between two namespaces (root needed):
 *  1. one endpoint, two links, the second reached by source-address policy routing (`ip rule from
 *     198.18.1.1 lookup 101`, a default route per table): bondcat with auto-detection (the default), with
 *     `-a` (the endpoint as given: one link), and kernel MPTCP with the second address as a `subflow`
 *     endpoint, in the same run;
 *  2. a name with an IPv4 address on link 0 and an IPv6 address on link 1 (a namespace hosts file).
 * Every tool is timed the same way, on the receiving side (bench/netns-run.ts, bench/gap-meter.py): the
 * rate from the first to the last byte the receiver got, over the middle 80% of the bytes, and from the
 * client's start to the last byte (process start-up included), plus the start-up itself and each link's
 * share of host a's bytes. The
 * original Go bondcat (../shared/peers/bondcat-go, auto-detection on) and kernel MPTCP run in the same
 * topologies, interleaved with bondcat.
 *
 *   bun bench/paths.ts [--rate 200mbit] [--size 384M] [--runs 2]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Topology, networkSkipReason } from "../test/helpers/netns.ts";
import { BUN, CLI, ROOT, machineNote } from "./lib.ts";
import { meteredStdout, meteredTransfer, type Received, socketPair } from "./netns-run.ts";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const rate = opt("--rate", "200mbit");
const sizeMB = Number.parseInt(opt("--size", "384M"), 10);
const runs = Number(opt("--runs", "2"));
const bytes = sizeMB << 20;

const skip = networkSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}

interface Row extends Received {
  name: string;
  shares: number[];
}

/** Run one transfer and read each link's share of the bytes host a sent meanwhile. */
async function measure(t: Topology, name: string, run: () => Promise<Received>): Promise<Row> {
  const before = t.links.map((_, i) => t.txBytes(i));
  const r = await run();
  const sent = t.links.map((_, i) => t.txBytes(i) - before[i]!);
  const total = sent.reduce((a, b) => a + b, 0);
  return { name, ...r, shares: sent.map((s) => s / total) };
}

const bondcat = (t: Topology, client: string[]) =>
  meteredTransfer(t, meteredStdout(`${BUN} ${CLI} -l -p 9000`, bytes), t.exec("a", [BUN, CLI, ...client]), /listening on/, bytes);

const GO = join(ROOT, "..", "shared", "peers", "bondcat-go");
const haveGo = existsSync(GO);
if (!haveGo) console.error(`no Go bondcat at ${GO}: its rows are left out`);

/**
 * The Go bondcat: its listener exits when its stdin ends, and its dialer does not wait for acks, so both
 * keep their stdin open; the meter stops at the last byte and the two are ended then.
 */
const goRun = (t: Topology, endpoint: string) =>
  meteredTransfer(t, meteredStdout(`${GO} -l -p 9003`, bytes, true), t.exec("a", [GO, endpoint]), 9003, bytes, true);

function mptcpSubflowFromLink1(t: Topology): boolean {
  const ok = (cmd: string[]) => spawnSync(cmd[0]!, cmd.slice(1)).status === 0;
  if (!ok(["ip", "netns", "exec", t.a, "sysctl", "-q", "net.mptcp.enabled=1"])) return false;
  ok(["ip", "netns", "exec", t.b, "sysctl", "-q", "net.mptcp.enabled=1"]);
  for (const ns of [t.a, t.b]) ok(["ip", "-n", ns, "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "2"]);
  // The client opens a second subflow from its link-1 address; policy routing sends it over link 1.
  return ok(["ip", "-n", t.a, "mptcp", "endpoint", "add", t.links[1]!.a4, "dev", t.links[1]!.ifA, "subflow"]);
}

async function policyRouted(): Promise<Row[]> {
  const t = new Topology([{ rate }, { rate }]);
  const rows: Row[] = [];
  try {
    t.policyRoutes();
    const ep = `${t.links[0]!.b4}:9000`;
    const mptcp = mptcpSubflowFromLink1(t);
    for (let r = 0; r < runs; r++) {
      rows.push(await measure(t, "bondcat, auto-detection (default)", () => bondcat(t, [ep])));
      rows.push(await measure(t, "bondcat -a (the endpoint only)", () => bondcat(t, ["-a", ep])));
      if (haveGo) rows.push(await measure(t, "Go bondcat (auto-detection)", () => goRun(t, `${t.links[0]!.b4}:9003`)));
      if (mptcp) {
        const p = socketPair(t, t.links[0]!.b4, 9001, bytes, false);
        rows.push(await measure(t, "kernel MPTCP (subflow endpoint on link 1)", () => meteredTransfer(t, p.server, p.client, /ready/, bytes)));
      }
    }
  } finally {
    t.destroy();
  }
  return rows;
}

async function dualStack(): Promise<Row[]> {
  const t = new Topology([{ rate }, { rate }]);
  const rows: Row[] = [];
  try {
    t.hosts("a", `127.0.0.1 localhost\n${t.links[0]!.b4} bondhost\n${t.links[1]!.b6} bondhost\n`);
    for (let r = 0; r < runs; r++) {
      rows.push(await measure(t, "bondcat bondhost:9000 (IPv4 on link 0, IPv6 on link 1)", () => bondcat(t, ["bondhost:9000"])));
      rows.push(await measure(t, "bondcat -4 bondhost:9000 (one family)", () => bondcat(t, ["-4", "bondhost:9000"])));
      if (haveGo) rows.push(await measure(t, "Go bondcat bondhost:9003", () => goRun(t, "bondhost:9003")));
    }
  } finally {
    t.destroy();
  }
  return rows;
}

function print(title: string, rows: Row[]): void {
  console.log(`\n${title}\n`);
  console.log("| run | Mbit/s, first → last byte | middle 80% | from client start | start → first byte, s | link 0 | link 1 |");
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const r of rows) {
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    console.log(`| ${r.name} | ${r.mbps.toFixed(1)} | ${r.midMbps.toFixed(1)} | ${r.wallMbps.toFixed(1)} | ${r.startupS.toFixed(3)} | ${pct(r.shares[0]!)} | ${pct(r.shares[1]!)} |`);
  }
}

const load = spawnSync("uptime", { encoding: "utf8" }).stdout.trim();
print(`One endpoint, 2 × ${rate} links, the second by source-address policy routing (${sizeMB} MiB per run)`, await policyRouted());
print(`A dual-stack name, 2 × ${rate} links (${sizeMB} MiB per run)`, await dualStack());
console.log(`\n${machineNote()} · before: ${load} · after: ${spawnSync("uptime", { encoding: "utf8" }).stdout.trim()}`);
