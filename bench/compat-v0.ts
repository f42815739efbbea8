/**
 * Wire v0 against the original bondcat (Go) on loopback, interleaved in one run:
 *   Go → Go, our --compat v0 dialer → Go listener, Go dialer → our --compat v0 listener, ours v1 → ours v1
 * (time until the receiver has written every byte, output compared with the input), then the tail test:
 * 10 runs of a dialer whose stdin closes right after the data (ours v0, and the Go dialer for comparison).
 *   bun bench/compat-v0.ts [--size 256M] [--rounds 3] [--subflows 3] [--tail-size 16M] [--tail-runs 10]
 * Prints markdown for BENCHMARKS.md, with the load (`uptime`) before and after.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bondcatCmd, freePort, machineNote, median, ROOT, waitForPort } from "./lib.ts";

const GO = join(ROOT, "..", "shared", "peers", "bondcat-go");
if (!existsSync(GO)) {
  console.error(`the original bondcat is not at ${GO} (see ../shared/peers/README.md)`);
  process.exit(2);
}
const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const size = (t: string): number => Number.parseFloat(t) * ({ K: 1024, M: 1 << 20, G: 1 << 30 } as Record<string, number>)[t.slice(-1).toUpperCase()]!;
const bytes = size(opt("--size", "256M"));
const rounds = Number(opt("--rounds", "3"));
const x = Number(opt("--subflows", "3"));
const tailBytes = size(opt("--tail-size", "16M"));
const tailRuns = Number(opt("--tail-runs", "10"));
const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
const uptime = (): string => new TextDecoder().decode(Bun.spawnSync(["uptime"]).stdout).trim();

const dir = mkdtempSync(join(tmpdir(), "bondcat-v0-bench-"));
const input = join(dir, "in");
Bun.spawnSync(["sh", "-c", `head -c ${Math.max(bytes, tailBytes)} /dev/urandom > ${q(input)}`]);
const sizeOf = (f: string): number => (existsSync(f) ? statSync(f).size : 0);
const same = (a: string, b: string, n: number): boolean => Bun.spawnSync(["cmp", "-n", String(n), a, b]).exitCode === 0 && sizeOf(b) === n;

interface Case {
  recv: (p: number) => string;
  send: (p: number) => string;
}
const go = (a: string): string => `${q(GO)} ${a}`;
const cases: Record<string, Case> = {
  "Go → Go": { recv: (p) => go(`-a -l -p ${p}`), send: (p) => go(`-a -x ${x} 127.0.0.1:${p}`) },
  "ours --compat v0 → Go": { recv: (p) => go(`-a -l -p ${p}`), send: (p) => bondcatCmd(`--compat v0 -a -x ${x} 127.0.0.1:${p}`) },
  "Go → ours -l --compat v0": { recv: (p) => bondcatCmd(`-l -p ${p} --compat v0`), send: (p) => go(`-a -x ${x} 127.0.0.1:${p}`) },
  "ours v1 → ours v1": { recv: (p) => bondcatCmd(`-l -p ${p}`), send: (p) => bondcatCmd(`-a -x ${x} 127.0.0.1:${p}`) },
};

/**
 * One transfer of `n` bytes: the receiver's stdin stays open (the Go listener exits at its EOF), the
 * sender's stdin is the file and then, with `holdMs`, stays open that long (the Go dialer exits at EOF
 * without waiting for acks). Resolves with seconds until the receiver wrote everything (or null).
 */
async function transfer(c: Case, n: number, holdMs: number, timeoutMs = 120_000): Promise<{ seconds: number | null; intact: boolean; cpu: number }> {
  const port = await freePort();
  const out = join(dir, `out-${port}`);
  const recv = Bun.spawn(["sh", "-c", `exec ${c.recv(port)} > ${q(out)}`], { stdin: "pipe", stderr: "ignore" });
  try {
    await waitForPort(port);
    const feed = holdMs > 0 ? `< <(head -c ${n} ${q(input)}; sleep ${holdMs / 1000})` : `< <(head -c ${n} ${q(input)})`;
    const t0 = performance.now();
    const send = Bun.spawn(["bash", "-c", `exec ${c.send(port)} ${feed} > /dev/null`], { stderr: "ignore" });
    let seconds: number | null = null;
    while (performance.now() - t0 < timeoutMs) {
      if (sizeOf(out) >= n) {
        seconds = (performance.now() - t0) / 1000;
        break;
      }
      if (send.exitCode !== null && recv.exitCode !== null) break;
      await Bun.sleep(5);
    }
    await Promise.race([Promise.all([send.exited, recv.exited]), Bun.sleep(holdMs + 5000)]);
    send.kill("SIGKILL");
    recv.kill("SIGKILL");
    await Promise.all([send.exited, recv.exited]);
    // CPU of both processes (user + system): less at the mercy of the machine's load than wall time.
    const cpu = [send, recv].reduce((a, p) => {
      const u = p.resourceUsage();
      return a + (u ? Number(u.cpuTime.user + u.cpuTime.system) / 1e6 : NaN);
    }, 0);
    return { seconds, intact: same(input, out, n), cpu };
  } finally {
    recv.kill("SIGKILL");
    await recv.exited;
    rmSync(out, { force: true });
  }
}

const before = uptime();
const times = new Map<string, number[]>();
const broken = new Map<string, number>();
const cpus = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, c] of Object.entries(cases)) {
    const { seconds, intact, cpu } = await transfer(c, bytes, 1500);
    if (seconds === null || !intact) broken.set(name, (broken.get(name) ?? 0) + 1);
    else {
      (times.get(name) ?? times.set(name, []).get(name)!).push(seconds);
      (cpus.get(name) ?? cpus.set(name, []).get(name)!).push(cpu / (bytes / (1 << 30)));
    }
  }
}
const tail: Record<string, { intact: number; runs: number }> = {};
for (const [name, c] of [["ours --compat v0 → Go", cases["ours --compat v0 → Go"]!], ["Go → Go", cases["Go → Go"]!]] as const) {
  let intact = 0;
  for (let i = 0; i < tailRuns; i++) if ((await transfer(c, tailBytes, 0, 30_000)).intact) intact++;
  tail[name] = { intact, runs: tailRuns };
}
const after = uptime();
rmSync(dir, { recursive: true, force: true });

const mib = bytes / (1 << 20);
const goGo = median(times.get("Go → Go") ?? [NaN]);
console.log(`### v0 interoperability on loopback: ${mib} MiB, -x ${x}, ${rounds} rounds (median)\n`);
console.log(`${machineNote()}; uptime before: \`${before}\`; after: \`${after}\`\n`);
const goCpu = median(cpus.get("Go → Go") ?? [NaN]);
console.log("| pair | MiB/s (median) | runs | vs Go → Go | CPU s/GiB, both ends (median) | vs Go → Go | failed runs |");
console.log("|---|---:|---:|---:|---:|---:|---:|");
for (const name of Object.keys(cases)) {
  const t = times.get(name) ?? [];
  const s = t.length ? median(t) : NaN;
  const cpu = median(cpus.get(name) ?? [NaN]);
  console.log(`| ${name} | ${(mib / s).toFixed(0)} | ${t.map((v) => (mib / v).toFixed(0)).join(" / ")} | ${(goGo / s).toFixed(2)}× | ${cpu.toFixed(1)} | ${(cpu / goCpu).toFixed(2)}× | ${broken.get(name) ?? 0} |`);
}
console.log(`\nTail (${tailBytes / (1 << 20)} MiB, the dialer's stdin closed right after the data, ${tailRuns} runs):\n`);
for (const [name, t] of Object.entries(tail)) console.log(`- ${name}: ${t.intact}/${t.runs} arrived complete`);
