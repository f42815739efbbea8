/**
 * What one short session costs each process: `-l -p P` and a dialer moving 1 byte on loopback, without
 * and with a pre-shared secret (an OPEN without a secret is a native X25519 exchange; with one it is
 * CPace on ristretto255 in JavaScript, docs/PROTOCOL.md §2.4). Medians of user+system CPU seconds per
 * process and of the wall time from the dialer's start to both exits, rounds interleaved.
 *   bun bench/session-cost.ts [--rounds 9]     (BONDCAT_BEFORE=<checkout>: its bondcat too)
 */
import { argOpt, bondcatCmd, machineNote, measurePair, median, waitForPort, type Measure } from "./lib.ts";

const rounds = Number(argOpt("--rounds", "9"));
const trees: [string, string | undefined][] = [["bondcat", undefined]];
if (process.env.BONDCAT_BEFORE) trees.push(["before", `${process.env.BONDCAT_BEFORE}/bin/bondcat.js`]);
const secrets: [string, string][] = [["no secret", ""], ["--secret", "--secret s3cret-for-the-bench "]];

const results = new Map<string, Measure[]>();
for (let r = 0; r < rounds; r++) {
  for (const [tree, cli] of trees) {
    for (const [label, flag] of secrets) {
      const m = await measurePair(1, (p) => bondcatCmd(`${flag}-l -p ${p}`, cli), (p) => bondcatCmd(`${flag}127.0.0.1:${p}`, cli), (p) => waitForPort(p));
      const name = `${tree}, ${label}`;
      (results.get(name) ?? results.set(name, []).get(name)!).push(m);
    }
  }
}

console.log(`\n1-byte session on loopback, medians of ${rounds} interleaved rounds · ${machineNote()}\n`);
console.log("| tree, OPEN | dialer CPU s | listener CPU s | wall s (dialer start → both exit) |");
console.log("|---|---:|---:|---:|");
for (const [name, ms] of results) {
  const dial = median(ms.map((m) => m.perProcess[0] + m.perProcess[1]));
  const lis = median(ms.map((m) => m.perProcess[2] + m.perProcess[3]));
  console.log(`| ${name} | ${dial.toFixed(3)} | ${lis.toFixed(3)} | ${median(ms.map((m) => m.seconds)).toFixed(3)} |`);
}
