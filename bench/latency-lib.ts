/**
 * The measurements of bench/latency.ts (also used by a test that keeps the ping-pong tail in check):
 * processes on loopback, bondcat or socat at both ends, times in microseconds.
 */
import type { Subprocess } from "bun";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, bondcatCmd, freePort, ROOT, waitForPort } from "./lib.ts";

/** "before": bondcat from the checkout in BONDCAT_BEFORE (its bin/bondcat.js), for before/after runs. */
export type Side = "socat" | "bondcat" | "before";
const BEFORE = process.env.BONDCAT_BEFORE;
export const SIDES: readonly Side[] = BEFORE ? ["socat", "bondcat", "before"] : ["socat", "bondcat"];
const cliOf = (side: Side) => (side === "before" ? join(BEFORE ?? "", "bin", "bondcat.js") : undefined);
/** How the client's stdin and stdout are connected: two pipes, or one socketpair (via socat EXEC:). */
export type ClientStdio = "pipes" | "socketpair";

/** Round trips before measuring: Bun compiles the hot paths in the first few hundred. */
const WARMUP = 200;

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

/** Sorted copy's p-th percentile (nearest rank). */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function spawnSh(cmd: string, stdio: "pipe" | "ignore" = "ignore"): Subprocess<"pipe", "pipe", "inherit"> {
  return Bun.spawn(["sh", "-c", `exec ${cmd}`], { stdin: stdio === "pipe" ? "pipe" : "ignore", stdout: "pipe", stderr: "inherit" }) as never;
}

async function started(cmd: string): Promise<{ proc: Subprocess; port: number }> {
  const port = await freePort();
  const proc = spawnSh(cmd.replace("{PORT}", String(port)));
  await waitForPort(port);
  return { proc, port };
}

/** A relay on a free port forwarding every connection to 127.0.0.1:target. */
function relay(side: Side, target: number): Promise<{ proc: Subprocess; port: number }> {
  return started(
    side !== "socat"
      ? bondcatCmd(`-l -k -p {PORT} --relay 127.0.0.1:${target}`, cliOf(side))
      : `socat TCP-LISTEN:{PORT},bind=127.0.0.1,reuseaddr,fork TCP:127.0.0.1:${target}`,
  );
}

function clientCmd(side: Side, port: number): string {
  return side !== "socat" ? bondcatCmd(`-x 2 127.0.0.1:${port}`, cliOf(side)) : `socat STDIO TCP:127.0.0.1:${port}`;
}

/** The client with stdin and stdout on one socketpair: socat EXEC: runs it (a script, so no quoting). */
function socketpairCmd(cmd: string, dir: string): string {
  const script = join(dir, "client.sh");
  writeFileSync(script, `#!/bin/sh\nexec ${cmd}\n`, { mode: 0o755 });
  return `socat STDIO EXEC:${script}`;
}

/** `count` 1-byte round trips (after WARMUP unmeasured ones: JIT); sorted round-trip times in µs. */
export async function pingPong(side: Side, stdio: ClientStdio, count: number): Promise<number[]> {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-latency-"));
  const procs: Subprocess[] = [];
  try {
    const echo = await started(`socat TCP-LISTEN:{PORT},bind=127.0.0.1,reuseaddr,fork PIPE`);
    procs.push(echo.proc);
    const r = await relay(side, echo.port);
    procs.push(r.proc);
    let cmd = clientCmd(side, r.port);
    if (stdio === "socketpair") cmd = socketpairCmd(cmd, dir);
    const client = spawnSh(cmd, "pipe");
    procs.push(client);
    const reader = client.stdout.getReader();
    const one = new Uint8Array([0x61]);
    const rtts: number[] = [];
    let pending = 0;
    for (let i = 0; i < count + WARMUP; i++) {
      const t0 = Bun.nanoseconds();
      client.stdin.write(one);
      client.stdin.flush();
      pending++;
      while (pending > 0) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`${side} client ended after ${i} round trips`);
        pending -= value.length;
      }
      if (i >= WARMUP) rtts.push((Bun.nanoseconds() - t0) / 1000);
    }
    client.stdin.end();
    return rtts.sort((a, b) => a - b);
  } finally {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface MarkerResult {
  /** Marker round trips in µs, in order. */
  rtts: number[];
  /** Bulk rate between the second marker's send and the last marker's return. */
  gbps: number;
}

/** SIZE bytes of zeros with a marker line every 8 MiB, through a relay to bench/marker-target.ts. */
export async function markerBehindBulk(side: Side, size: number, every = 8 << 20): Promise<MarkerResult> {
  const procs: Subprocess[] = [];
  try {
    const target = spawnSh(`${q(BUN)} ${q(join(ROOT, "bench", "marker-target.ts"))}`);
    procs.push(target);
    const line = (await target.stdout.getReader().read()).value;
    const targetPort = Number(new TextDecoder().decode(line).trim());
    const r = await relay(side, targetPort);
    procs.push(r.proc);
    const feed = `${q(BUN)} ${q(join(ROOT, "bench", "marker-feed.ts"))} ${size} ${every}`;
    const client = spawnSh(`sh -c ${q(`${feed} | exec ${clientCmd(side, r.port)}`)}`);
    procs.push(client);
    const sent: number[] = [];
    const back: number[] = [];
    let text = "";
    const dec = new TextDecoder();
    for await (const chunk of client.stdout) {
      const now = (performance.timeOrigin + performance.now()) * 1000;
      text += dec.decode(chunk, { stream: true });
      for (let nl = text.indexOf("\n"); nl >= 0; nl = text.indexOf("\n")) {
        sent.push(Number(text.slice(1, nl)));
        back.push(now);
        text = text.slice(nl + 1);
      }
      if (sent.length === Math.ceil(size / every)) break;
    }
    const n = sent.length;
    if (n < 3) throw new Error(`${side}: only ${n} markers came back`);
    const rtts = sent.map((s, i) => back[i]! - s);
    const bytes = (n - 2) * every;
    const seconds = (back[n - 1]! - sent[1]!) / 1e6;
    return { rtts, gbps: (bytes * 8) / seconds / 1e9 };
  } finally {
    for (const p of procs) p.kill();
    await Promise.all(procs.map((p) => p.exited));
  }
}
