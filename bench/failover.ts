/**
 * Failover on shaped links: two hosts in network namespaces joined by two tbf-shaped veth links, one
 * link cut silently (nftables drop) mid-transfer. Measures the longest receive gap on the receiving
 * side (bench/gap-meter.py: time between two reads) for bondcat and, in the same run on the same kind
 * of links, kernel MPTCP (python3 IPPROTO_MPTCP sockets, `ip mptcp endpoint`); the share of bytes a
 * backup path carries without a cut; rsync over ssh over bondcat with and without a cut. Needs root.
 *
 *   bun bench/failover.ts [--runs 3] [--size 160M] [--rate 200mbit] [--cut-at 1.5] [--cases cut,dup,backup,delay,rsync]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { delaySkipReason, type LinkSpec, networkSkipReason, Topology } from "../test/helpers/netns.ts";
import { BUN, CLI, ROOT } from "./lib.ts";
import { rsyncRun } from "../test/helpers/rsync-over-bondcat.ts";

const args = process.argv.slice(2);
const opt = (n: string, d: string) => (args.includes(n) ? args[args.indexOf(n) + 1]! : d);
const runs = Number(opt("--runs", "3"));
const sizeMB = Number.parseInt(opt("--size", "160M"), 10);
const rate = opt("--rate", "200mbit");
const cutAt = Number(opt("--cut-at", "1.5")) * 1000;
const cases = opt("--cases", "cut,dup,backup,delay,rsync").split(",");
const METER = join(ROOT, "bench", "gap-meter.py");

const skip = networkSkipReason();
if (skip) {
  console.error(`cannot run: ${skip}`);
  process.exit(2);
}

interface Gap {
  bytes: number;
  sha256: string;
  maxGapMs: number;
  gapAtS: number;
  seconds: number;
  /** bondcat's sender: MiB sent again (its -v summary). */
  reinjectedMiB: number;
}

const ok = (cmd: string[]) => spawnSync(cmd[0]!, cmd.slice(1)).status === 0;

/** Start `server` in host b (its stdout: the meter's JSON line; stderr must match `ready`), then `client` in a. */
async function measure(t: Topology, server: string, client: string[], input: string, cut: number | null, ready: RegExp): Promise<Gap> {
  const srv = Bun.spawn(t.exec("b", ["sh", "-c", server]), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const logDone = (async () => {
    for await (const c of srv.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(c);
  })();
  const t0 = Date.now();
  while (!ready.test(log)) {
    if (Date.now() - t0 > 10_000) throw new Error(`server did not start: ${log}`);
    await Bun.sleep(20);
  }
  const cli = Bun.spawn(t.exec("a", client), { stdin: Bun.file(input), stdout: "ignore", stderr: "pipe" });
  const clientLog = new Response(cli.stderr).text();
  const timer = cut === null ? null : setTimeout(() => t.cut(cut), cutAt);
  const [cc, sc] = await Promise.all([cli.exited, srv.exited]);
  if (timer) clearTimeout(timer);
  await logDone;
  const out = await new Response(srv.stdout).text();
  if (cc !== 0 || sc !== 0) throw new Error(`exit ${cc}/${sc}: ${log} ${await clientLog}`);
  const reinjected = /reinjected ([\d.]+) MiB/.exec(await clientLog);
  const gap = JSON.parse(out.trim().split("\n").pop()!) as Gap;
  if (gap.maxGapMs > 1000) {
    // An outlier: keep what the client said, to find out why.
    const f = join(tmpdir(), `bondcat-failover-outlier-${Date.now()}.log`);
    writeFileSync(f, `${server}\n${client.join(" ")}\ngap ${gap.maxGapMs} ms at ${gap.gapAtS} s\n${log}\n${await clientLog}`);
    console.error(`longest gap ${gap.maxGapMs} ms at ${gap.gapAtS} s: logs in ${f}`);
  }
  return { ...gap, reinjectedMiB: reinjected ? Number(reinjected[1]) : NaN };
}

// -v, not -vv: -vv traces every frame (≈ 22 000 lines per run), which would cost the client CPU.
const bondcat = (t: Topology, clientArgs: string[], input: string, cut: number | null) =>
  measure(t, `${BUN} ${CLI} -l -p 9000 | python3 ${METER} stdin`, [BUN, CLI, "-a", "-v", ...clientArgs], input, cut, /listening on/);

const mptcp = (t: Topology, input: string, cut: number | null) =>
  measure(t, `python3 ${METER} mptcp-server 9001`, ["python3", METER, "mptcp-client", t.links[0]!.b4, "9001", input], input, cut, /ready/);

/** Kernel MPTCP on both hosts; link 1 as a second subflow (announced by b), or as a backup subflow of a. */
function setupMptcp(t: Topology, backup: boolean): boolean {
  if (!ok(["ip", "netns", "exec", t.a, "sysctl", "-q", "net.mptcp.enabled=1"])) return false;
  ok(["ip", "netns", "exec", t.b, "sysctl", "-q", "net.mptcp.enabled=1"]);
  for (const ns of [t.a, t.b]) ok(["ip", "-n", ns, "mptcp", "limits", "set", "subflow", "2", "add_addr_accepted", "2"]);
  const [l0, l1] = [t.links[0]!, t.links[1]!];
  if (!backup) return ok(["ip", "-n", t.b, "mptcp", "endpoint", "add", l1.b4, "dev", l1.ifB, "signal"]);
  // A subflow from a's link-1 address to b's first address, routed over link 1 by a source rule, flagged backup.
  ok(["ip", "-n", t.a, "rule", "add", "from", l1.a4, "table", "101"]);
  ok(["ip", "-n", t.a, "route", "add", `${l0.b4}/32`, "dev", l1.ifA, "table", "101"]);
  ok(["ip", "-n", t.b, "route", "replace", `${l1.a4}/32`, "dev", l1.ifB]);
  for (const ns of [t.a, t.b]) ok(["ip", "netns", "exec", ns, "sysctl", "-q", "net.ipv4.conf.all.rp_filter=0"]);
  return ok(["ip", "-n", t.a, "mptcp", "endpoint", "add", l1.a4, "dev", l1.ifA, "subflow", "backup"]);
}

/** A fresh pair of links per run, so no state (cut rules, MPTCP endpoints) leaks between runs. */
async function onLinks<T>(f: (t: Topology) => Promise<T>, specs: LinkSpec[] = [{ rate }, { rate }]): Promise<T> {
  const t = new Topology(specs);
  try {
    return await f(t);
  } finally {
    t.destroy();
  }
}

const dir = mkdtempSync(join(tmpdir(), "bondcat-failover-"));
const input = join(dir, "in.bin");
spawnSync("sh", ["-c", `head -c ${sizeMB}M /dev/urandom > ${input}`]);
const want = new Bun.CryptoHasher("sha256").update(await Bun.file(input).bytes()).digest("hex");
const fmt = (g: Gap) => `${(g.maxGapMs / 1000).toFixed(2)}${g.sha256 === want && g.bytes === sizeMB << 20 ? "" : " (CORRUPT)"}`;
const rows: string[] = [];
const load = () => spawnSync("uptime").stdout.toString().trim();
console.log(`# ${load()}`);

try {
  if (cases.includes("cut")) {
    const b: string[] = [];
    const m: string[] = [];
    for (let i = 0; i < runs; i++) {
      b.push(fmt(await onLinks((t) => bondcat(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], input, 0))));
      m.push(fmt(await onLinks((t) => (setupMptcp(t, false) ? mptcp(t, input, 0) : Promise.reject(new Error("no MPTCP"))))));
      console.log(`cut run ${i + 1}: bondcat ${b.at(-1)} s, MPTCP ${m.at(-1)} s`);
    }
    rows.push(`| silent cut of link 0 of 2 × ${rate} at ${cutAt / 1000} s | ${b.join(" / ")} | ${m.join(" / ")} |`);
  }
  if (cases.includes("delay")) {
    const why = delaySkipReason();
    if (why) console.error(`no delay case: ${why}`);
    const specs: LinkSpec[] = [{ rate: "100mbit", delayMs: 5 }, { rate: "100mbit", delayMs: 40 }];
    const b: string[] = [];
    const m: string[] = [];
    for (let i = 0; !why && i < runs; i++) {
      b.push(fmt(await onLinks((t) => bondcat(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], input, 0), specs)));
      m.push(fmt(await onLinks((t) => (setupMptcp(t, false) ? mptcp(t, input, 0) : Promise.reject(new Error("no MPTCP"))), specs)));
      console.log(`delay run ${i + 1}: bondcat ${b.at(-1)} s, MPTCP ${m.at(-1)} s`);
    }
    if (!why) rows.push(`| cut of the fast link of 100 Mbit/s @ 5 ms + 100 Mbit/s @ 40 ms one-way, at ${cutAt / 1000} s | ${b.join(" / ")} | ${m.join(" / ")} |`);
  }
  if (cases.includes("dup")) {
    const d: string[] = [];
    for (let i = 0; i < runs; i++) {
      const g = await onLinks((t) => bondcat(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], input, null));
      d.push(`${((100 * g.reinjectedMiB) / sizeMB).toFixed(2)}% (gap ${fmt(g)})`);
      console.log(`no cut run ${i + 1}: resent ${d.at(-1)}`);
    }
    rows.push(`| no cut, 2 × ${rate}: bytes sent twice (share of the stream) | ${d.join(" / ")} | — |`);
  }
  if (cases.includes("backup")) {
    const b: string[] = [];
    const m: string[] = [];
    for (let i = 0; i < runs; i++) {
      b.push(fmt(await onLinks((t) => bondcat(t, [`${t.links[0]!.b4}:9000`, "--backup", `${t.links[1]!.b4}:9000`], input, 0))));
      m.push(fmt(await onLinks((t) => (setupMptcp(t, true) ? mptcp(t, input, 0) : Promise.reject(new Error("no MPTCP"))))));
      console.log(`backup run ${i + 1}: bondcat ${b.at(-1)} s, MPTCP ${m.at(-1)} s`);
    }
    rows.push(`| --backup: the only primary silently cut at ${cutAt / 1000} s | ${b.join(" / ")} | ${m.join(" / ")} |`);
    const share = async (run: (t: Topology) => Promise<Gap>) =>
      onLinks(async (t) => {
        await run(t);
        const [x0, x1] = [t.txBytes(0), t.txBytes(1)];
        return `${((100 * x1) / (x0 + x1)).toFixed(2)}%`;
      });
    const bs = await share((t) => bondcat(t, [`${t.links[0]!.b4}:9000`, "--backup", `${t.links[1]!.b4}:9000`], input, null));
    const ms = await share((t) => (setupMptcp(t, true) ? mptcp(t, input, null) : Promise.reject(new Error("no MPTCP"))));
    rows.push(`| --backup, no cut: bytes on the backup link | ${bs} | ${ms} |`);
  }
  if (cases.includes("rsync")) {
    for (const cut of [false, true]) {
      const r: string[] = [];
      for (let i = 0; i < runs; i++) {
        const x = await onLinks((t) => rsyncRun(t, dir, input, cut ? 0 : null, cutAt));
        r.push(`${x.seconds.toFixed(1)} s (stall ${x.stallS.toFixed(2)})${x.identical ? "" : " (CORRUPT)"}`);
        console.log(`rsync ${cut ? "with" : "without"} a cut, run ${i + 1}: ${r.at(-1)}`);
      }
      rows.push(`| rsync over ssh over bondcat, ${sizeMB} MiB, ${cut ? `link 0 cut at ${cutAt / 1000} s` : "no cut"} | ${r.join(" / ")} | — |`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n${sizeMB} MiB per transfer, two tbf-shaped veth links of ${rate}; ${runs} runs; ${load()}\n`);
console.log("| case | bondcat: longest receive gap, s | kernel MPTCP: longest receive gap, s |");
console.log("|---|---|---|");
for (const r of rows) console.log(r);
