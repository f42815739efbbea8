/**
 * Loopback throughput of the CLI's stdin → bonded subflows → stdout path, beside a raw single TCP
 * stream through the same pipes (socat -b 262144), interleaved in one run.
 *   bun bench/throughput.ts [--size 1G] [--rounds 3]     (BONDCAT_BEFORE=<checkout>: its bondcat too) [--svg docs/img/loopback.svg] [--split]
 * Prints a markdown table for BENCHMARKS.md; --svg also draws it (bench/svg.ts); --split adds each
 * process's user and system CPU per GiB (where a CPU difference between two trees sits).
 */
import { argOpt, bondcatCmd, machineNote, measurePair, median, parseSize, waitForPort, type Measure } from "./lib.ts";
import { barChart, writeChart } from "./svg.ts";

const opt = argOpt;
const sizeText = opt("--size", "1G");
const bytes = parseSize(sizeText);
const rounds = Number(opt("--rounds", "3"));
const extra = opt("--args", "");

if (Bun.spawnSync(["sh", "-c", "command -v socat"]).exitCode !== 0) {
  console.error("socat is not installed (apt-get install socat): the raw baseline needs it");
  process.exit(2);
}

// The bondcat listener prints its port; we pick the port ourselves and wait for it to accept.
const cases: Record<string, { recv: (p: number) => string; send: (p: number) => string }> = {
  "socat (raw TCP)": {
    recv: (p) => `socat -b 262144 -u TCP-LISTEN:${p},bind=127.0.0.1,reuseaddr -`,
    send: (p) => `socat -b 262144 -u - TCP:127.0.0.1:${p}`,
  },
  "bondcat -x 1": { recv: (p) => bondcatCmd(`-l -p ${p}`), send: (p) => bondcatCmd(`${extra} -x 1 127.0.0.1:${p}`) },
  "bondcat -x 2": { recv: (p) => bondcatCmd(`-l -p ${p}`), send: (p) => bondcatCmd(`${extra} -x 2 127.0.0.1:${p}`) },
  "bondcat -x 4": { recv: (p) => bondcatCmd(`-l -p ${p}`), send: (p) => bondcatCmd(`${extra} -x 4 127.0.0.1:${p}`) },
};

// BONDCAT_BEFORE=<another checkout>: its bondcat too, in the same rounds (before/after a change).
const before = process.env.BONDCAT_BEFORE;
if (before) {
  const cli = `${before}/bin/bondcat.js`;
  for (const x of [1, 2]) {
    cases[`before -x ${x}`] = { recv: (p) => bondcatCmd(`-l -p ${p}`, cli), send: (p) => bondcatCmd(`${extra} -x ${x} 127.0.0.1:${p}`, cli) };
  }
}

const results = new Map<string, Measure[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, c] of Object.entries(cases)) {
    const m = await measurePair(bytes, c.recv, c.send, (p) => waitForPort(p));
    (results.get(name) ?? results.set(name, []).get(name)!).push(m);
    console.error(`round ${r + 1} ${name}: ${m.gbps.toFixed(2)} Gbit/s, ${m.cpuSeconds.toFixed(2)} CPU s/GiB, ${m.peakRssMB.toFixed(0)} MB`);
  }
}

const base = median(results.get("socat (raw TCP)")!.map((m) => m.gbps));
console.log(`\n${sizeText} per transfer, median of ${rounds} interleaved rounds\n`);
console.log("| path | Gbit/s | % of socat | CPU s/GiB (both ends) | peak RSS MB (max of ends) |");
console.log("|---|---:|---:|---:|---:|");
for (const [name, ms] of results) {
  const g = median(ms.map((m) => m.gbps));
  console.log(
    `| ${name} | ${g.toFixed(2)} | ${((g / base) * 100).toFixed(0)}% | ${median(ms.map((m) => m.cpuSeconds)).toFixed(2)} | ${Math.max(...ms.map((m) => m.peakRssMB)).toFixed(0)} |`,
  );
}

const svg = opt("--svg", "");
if (svg !== "") {
  const names = [...results.keys()];
  const chart = barChart({
    title: `Loopback: ${sizeText} stdin → stdout, median of ${rounds} interleaved rounds`,
    unit: "Gbit/s",
    groups: names,
    series: [{ name: "throughput (median)", values: names.map((n) => median(results.get(n)!.map((m) => m.gbps))) }],
    note: `bun bench/throughput.ts --size ${sizeText} --rounds ${rounds} · ${machineNote()}`,
  });
  console.error(`chart: ${writeChart(svg, chart)}`);
}

if (process.argv.includes("--split")) {
  const gib = bytes / (1 << 30);
  console.log("\n| path | sender user | sender system | receiver user | receiver system | (CPU s/GiB, medians) |");
  console.log("|---|---:|---:|---:|---:|---|");
  for (const [name, ms] of results) {
    const cols = [0, 1, 2, 3].map((i) => median(ms.map((m) => m.perProcess[i]! / gib)).toFixed(2));
    console.log(`| ${name} | ${cols.join(" | ")} | |`);
  }
}
