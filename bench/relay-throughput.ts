/**
 * Loopback throughput of the relay path that Session.write carries (target socket → session → peer):
 * `head -c SIZE /dev/zero | socat … TCP-LISTEN:T` is the relay's target; `bondcat -l -p P --relay
 * 127.0.0.1:T` reads it and sends it over the bond; `bondcat -x 2 127.0.0.1:P > FIFO` (stdin empty) receives
 * it. Wall time and CPU seconds of each bondcat process, per GiB, interleaved rounds.
 *   bun bench/relay-throughput.ts [--size 1G] [--rounds 3] [--transport tcp|tls|ws|wss]
 *   (BONDCAT_BEFORE=<checkout>: its bondcat too; tls/wss use the listener's ephemeral certificate, --insecure)
 * Prints a markdown table for BENCHMARKS.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { argOpt, bondcatCmd, CLI, freePort, GiB, machineNote, median, parseSize, waitForPort } from "./lib.ts";

const opt = argOpt;
const sizeText = opt("--size", "1G");
const bytes = parseSize(sizeText);
const rounds = Number(opt("--rounds", "3"));
const transport = opt("--transport", "tcp");
const listenArg = (p: number) => (transport === "tcp" ? `-l -p ${p}` : `--listen ${transport}://127.0.0.1:${p}`);
const dialArg = (p: number) => (transport === "tcp" ? `127.0.0.1:${p}` : `${transport === "ws" ? "" : "--insecure "}${transport}://127.0.0.1:${p}`);
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

interface RelayMeasure {
  gbps: number;
  /** CPU seconds per GiB of the relay listener (the Session.write side) and of the receiving client. */
  relayCpu: number;
  clientCpu: number;
}

/** Processes of the run in progress (killed when it fails). */
const spawned: { kill(): void }[] = [];

async function measure(cli: string): Promise<RelayMeasure> {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-relay-bench-"));
  const fin = join(dir, "in");
  const fout = join(dir, "out");
  Bun.spawnSync(["mkfifo", fin, fout]);
  const [t, p] = [await freePort(), await freePort()];
  try {
    const target = Bun.spawn(["sh", "-c", `exec socat -b 262144 -u - TCP-LISTEN:${t},bind=127.0.0.1,reuseaddr < ${q(fin)}`], { stdout: "ignore" });
    const feed = Bun.spawn(["sh", "-c", `exec head -c ${bytes} /dev/zero > ${q(fin)}`]);
    spawned.push(target, feed);
    await waitForPort(t);
    const relay = Bun.spawn(["sh", "-c", `exec ${bondcatCmd(`${listenArg(p)} --relay 127.0.0.1:${t}`, cli)} < /dev/null > /dev/null`], { stderr: "pipe" });
    spawned.push(relay);
    await waitForPort(p);
    const count = Bun.spawn(["sh", "-c", `exec wc -c < ${q(fout)}`], { stdout: "pipe" });
    const t0 = performance.now();
    const client = Bun.spawn(["sh", "-c", `exec ${bondcatCmd(`-x 2 ${dialArg(p)}`, cli)} < /dev/null > ${q(fout)}`], { stderr: "pipe" });
    const [cc, rc] = await Promise.all([client.exited, relay.exited, target.exited, feed.exited]);
    const seconds = (performance.now() - t0) / 1000;
    const got = Number((await new Response(count.stdout).text()).trim());
    if (cc !== 0 || rc !== 0 || got !== bytes) {
      throw new Error(`exit codes ${cc}/${rc}, ${got} bytes: ${await new Response(client.stderr).text()} ${await new Response(relay.stderr).text()}`);
    }
    const cpu = (r: ReturnType<typeof client.resourceUsage>) => Number(r!.cpuTime.user + r!.cpuTime.system) / 1e6 / (bytes / GiB);
    return { gbps: (bytes * 8) / seconds / 1e9, relayCpu: cpu(relay.resourceUsage()), clientCpu: cpu(client.resourceUsage()) };
  } finally {
    for (const c of spawned.splice(0)) c.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

const cases: Record<string, string> = { "bondcat (this tree)": CLI };
const before = process.env.BONDCAT_BEFORE;
if (before) cases["before"] = `${before}/bin/bondcat.js`;

const results = new Map<string, RelayMeasure[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, cli] of Object.entries(cases)) {
    const m = await measure(cli);
    (results.get(name) ?? results.set(name, []).get(name)!).push(m);
    console.error(`round ${r + 1} ${name}: ${m.gbps.toFixed(2)} Gbit/s, relay ${m.relayCpu.toFixed(2)} + client ${m.clientCpu.toFixed(2)} CPU s/GiB`);
  }
}

console.log(`\n${sizeText} target → relay listener → -x 2 ${transport} client, median of ${rounds} interleaved rounds (${machineNote()})\n`);
console.log("| relay | Gbit/s | relay CPU s/GiB | client CPU s/GiB |");
console.log("|---|---:|---:|---:|");
for (const [name, ms] of results) {
  const med = (f: (m: RelayMeasure) => number) => median(ms.map(f)).toFixed(2);
  console.log(`| ${name} | ${med((m) => m.gbps)} | ${med((m) => m.relayCpu)} | ${med((m) => m.clientCpu)} |`);
}
