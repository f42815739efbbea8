/** Spawn bondcat CLI processes for end-to-end tests (real processes, real sockets on loopback). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BUN = process.execPath;
export const CLI = join(ROOT, "bin", "bondcat.js");

export interface Proc {
  proc: ReturnType<typeof Bun.spawn>;
  stderr: () => string;
  exited: Promise<number>;
}

type StdinSpec = "ignore" | "pipe" | ReturnType<typeof Bun.file> | null;

/** Start `bondcat args…`; stdout to a file (or ignored), stderr collected. */
export interface SpawnOptions {
  stdin?: StdinSpec;
  stdout?: string | "pipe";
  env?: Record<string, string>;
  /** Command prefix, e.g. ["ip", "netns", "exec", "ns1"]. */
  wrap?: string[];
}

export function bondcat(args: string[], o: SpawnOptions = {}): Proc {
  const proc = Bun.spawn([...(o.wrap ?? []), BUN, CLI, ...args], {
    stdin: o.stdin ?? "ignore",
    stdout: o.stdout === undefined ? "ignore" : o.stdout === "pipe" ? "pipe" : Bun.file(o.stdout),
    stderr: "pipe",
    env: { ...process.env, ...o.env },
  });
  let err = "";
  const dec = new TextDecoder();
  const reading = (async () => {
    for await (const c of proc.stderr as ReadableStream<Uint8Array>) err += dec.decode(c);
  })();
  return { proc, stderr: () => err, exited: proc.exited.then(async (c) => (await reading, c)) };
}

/** Start a listener on a free port; resolves once it printed its port. */
export async function listener(args: string[], o: SpawnOptions = {}): Promise<Proc & { port: number }> {
  const p = bondcat(["-l", ...args], o);
  const t0 = Date.now();
  for (;;) {
    const m = /listening on \S+:(\d+)/.exec(p.stderr());
    if (m) return { ...p, port: Number(m[1]) };
    if (p.proc.exitCode !== null || Date.now() - t0 > 15_000) {
      p.proc.kill();
      throw new Error(`listener did not start: ${p.stderr()}`);
    }
    await Bun.sleep(20);
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest("hex");
}

/** A file of `bytes` pseudo-random bytes (fast: one random block repeated with a counter). */
export async function randomFile(path: string, bytes: number): Promise<string> {
  const block = new Uint8Array(1 << 20);
  crypto.getRandomValues(block.subarray(0, 65536));
  for (let i = 65536; i < block.length; i += 65536) block.copyWithin(i, 0, 65536);
  const w = Bun.file(path).writer();
  const h = createHash("sha256");
  for (let off = 0; off < bytes; off += block.length) {
    const n = Math.min(block.length, bytes - off);
    new DataView(block.buffer).setUint32(0, off / block.length); // every MiB differs
    new DataView(block.buffer).setUint32(70_000, off ^ 0x5a5a5a5a);
    const piece = block.subarray(0, n);
    h.update(piece);
    w.write(piece.slice());
  }
  await w.end();
  return h.digest("hex");
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

/** Kill one established TCP socket from `localPort` to `remotePort` with `ss -K` (needs root). */
export function ssKill(remotePort: number, localPort: number): boolean {
  const r = Bun.spawnSync(["ss", "-K", "-t", `( dport = :${remotePort} and sport = :${localPort} )`]);
  return r.exitCode === 0 && new TextDecoder().decode(r.stdout).includes(`:${localPort}`);
}

/** Local ports of the established client sockets towards `remotePort`. */
export function clientPorts(remotePort: number): number[] {
  const r = Bun.spawnSync(["ss", "-tnH", "state", "established", `( dport = :${remotePort} )`]);
  return new TextDecoder()
    .decode(r.stdout)
    .split("\n")
    .map((l) => /:(\d+)\s+\S+:\d+\s*$/.exec(l.trim())?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}

export const canKillSockets = process.getuid?.() === 0 && Bun.spawnSync(["ss", "-V"]).exitCode === 0;
