/**
 * Hostile peers against a `-l -k -e cat --secret …` listener (issue 7, engine rows): RSS growth of the
 * listener per attack and the longest a well-behaved session beside it waited for a pong (its
 * event-loop stall, seen from outside), and the listener's own longest event-loop gap measured inside it
 * (bench/stall-monitor.ts: wall clock, and the CPU it used in it — on a loaded machine the wall gap is
 * mostly waiting for a core).
 *   bun bench/hostile.ts [--root DIR]… [--only SUBSTRING] [--warm]
 * --warm: each attack runs once unmeasured on its listener first (a fresh process runs its first
 * frames in unoptimised code: the cold figure includes the JIT's warm-up, the warm one does not).
 * Each --root is a bondcat tree (default: this one) attacked in turn — e.g. a checkout from before the
 * fixes. Prints a markdown table for BENCHMARKS.md.
 */
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stallsIn } from "./stall-monitor.ts";
import { ATTACKS, type AttackName, runAttack } from "../test/helpers/attacks.ts";
import { loadEngine, pingProbe } from "../test/helpers/hostile-peer.ts";
import { BUN, ROOT } from "./lib.ts";

const args = process.argv.slice(2);
const roots: string[] = [];
let only = "";
/** Run each attack once unmeasured first: a fresh listener's first frames run in cold (unoptimised) code. */
let warmAttack = false;
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--root") roots.push(args[++i]!);
  else if (args[i] === "--only") only = args[++i]!;
  else if (args[i] === "--warm") warmAttack = true;
}
if (roots.length === 0) roots.push(ROOT);
const SECRET = "bench-secret-4242";
/** The listener's own event-loop stalls (bench/stall-monitor.ts, preloaded into it). */
const MONITOR = join(import.meta.dir, "stall-monitor.ts");
const stallFile = join(tmpdir(), `bondcat-stalls-${process.pid}.txt`);
const MiB = 1 << 20;

async function startListener(root: string): Promise<{ proc: ReturnType<typeof Bun.spawn>; port: number }> {
  const proc = Bun.spawn([BUN, "--preload", MONITOR, join(root, "bin", "bondcat.js"), "-l", "-k", "-p", "0", "-e", "cat", "--secret", SECRET], {
    stdin: "ignore",
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, STALL_FILE: stallFile },
  });
  const dec = new TextDecoder();
  let text = "";
  for await (const c of proc.stderr as ReadableStream<Uint8Array>) {
    text += dec.decode(c);
    const m = /listening on \S*?:(\d+)/.exec(text) ?? /:(\d+)\b/.exec(text);
    if (m) return { proc, port: Number(m[1]) };
  }
  throw new Error(`listener did not start: ${text}`);
}

const rows: string[] = [];
const load = () => (Bun.spawnSync(["cat", "/proc/loadavg"]).stdout.toString().split(" ").slice(0, 3).join(" "));
console.error(`load before: ${load()}`);
for (const root of roots) {
  const engine = await loadEngine(root);
  for (const name of Object.keys(ATTACKS) as AttackName[]) {
    if (only && !name.includes(only)) continue;
    // A fresh listener per attack: one attack's damage must not count against the next.
    const { proc, port } = await startListener(root);
    try {
      // One session first: the first handshake compiles the listener's code (tens of ms, not the attack's).
      const warm = await pingProbe(engine, port, SECRET);
      await Bun.sleep(300);
      warm.stop();
      if (warmAttack) await runAttack(name, { engine, port, secret: SECRET }, proc.pid, 45_000);
      const from = Date.now();
      const r = await runAttack(name, { engine, port, secret: SECRET }, proc.pid, 45_000);
      const st = stallsIn(stallFile, from, Date.now());
      const line = `| ${root === ROOT ? "this tree" : root} | ${name} | ${(r.rssGrowth / MiB).toFixed(0)} | ${(r.rssAfter / MiB).toFixed(0)} | ${r.maxStallMs.toFixed(0)} | ${st.wallMs.toFixed(0)} / ${st.cpuMs.toFixed(0)} | ${r.probeLost ? "lost" : "kept"} | ${r.note} |`;
      console.error(line);
      rows.push(line);
    } finally {
      proc.kill(9);
      await proc.exited;
    }
  }
}
console.error(`load after: ${load()}`);
rmSync(stallFile, { force: true });
console.log("| tree | attack | peak RSS growth MiB | RSS growth 1 s after MiB | max pong wait ms | loop stall inside: wall / CPU ms | probe session | what happened |");
console.log("|---|---|---:|---:|---:|---:|---|---|");
for (const r of rows) console.log(r);
