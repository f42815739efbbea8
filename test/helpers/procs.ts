/**
 * Child processes for integration tests: bondcat (through bin/bondcat.js, as users run it), nginx,
 * tinyproxy. Every process started here is tracked; `stopAll()` (call it in afterAll) kills what is
 * still running. Helpers wait for log lines instead of sleeping, and never assert timings.
 */
import type { Subprocess } from "bun";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const BUN = process.execPath;
const BONDCAT = join(ROOT, "bin", "bondcat.js");

export interface Proc {
  proc: Subprocess;
  /** Everything the process wrote to stderr (and stdout, if piped) so far. */
  log(): string;
  /** Resolves with the first match of `re` in the log; rejects if the process exits first or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Exit code (or 128+signal). */
  exited: Promise<number>;
  kill(): void;
}

const running = new Set<Subprocess>();

export interface StartOptions {
  /** File to feed as stdin; "ignore" for none (default). */
  stdin?: string | "ignore";
  /** File for stdout; default: piped into the log. */
  stdout?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

export function start(cmd: string[], o: StartOptions = {}): Proc {
  let text = "";
  const env = { ...process.env, ...o.env } as Record<string, string>;
  for (const [k, v] of Object.entries(o.env ?? {})) if (v === undefined) delete env[k];
  const proc = Bun.spawn(cmd, {
    cwd: o.cwd ?? ROOT,
    env,
    stdin: o.stdin && o.stdin !== "ignore" ? Bun.file(o.stdin) : "ignore",
    stdout: o.stdout ? Bun.file(o.stdout) : "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  const pump = async (s: ReadableStream<Uint8Array> | number | undefined | null): Promise<void> => {
    if (!s || typeof s === "number") return;
    const dec = new TextDecoder();
    for await (const chunk of s) text += dec.decode(chunk, { stream: true });
  };
  const pumped = Promise.all([pump(proc.stderr), o.stdout ? Promise.resolve() : pump(proc.stdout)]);
  const exited = proc.exited.then(async (code) => {
    running.delete(proc);
    await pumped.catch(() => {});
    return code ?? 0;
  });
  return {
    proc,
    log: () => text,
    exited,
    kill: () => proc.kill("SIGKILL"),
    async waitFor(re, ms = 60_000) {
      const deadline = Date.now() + ms;
      let done = false;
      void exited.then(() => (done = true));
      for (;;) {
        const m = text.match(re);
        if (m) return m;
        if (done) throw new Error(`${cmd[0]} exited before printing ${re}:\n${text}`);
        if (Date.now() > deadline) throw new Error(`${cmd[0]}: no ${re} after ${ms} ms:\n${text}`);
        await Bun.sleep(20);
      }
    },
  };
}

export function bondcat(args: string[], o: StartOptions = {}): Proc {
  return start([BUN, BONDCAT, ...args], o);
}

/** Listening URLs a bondcat listener printed, in order (waits for `count` of them). */
export async function listeningUrls(p: Proc, count: number): Promise<string[]> {
  await p.waitFor(new RegExp(`(listening on \\S+[\\s\\S]*){${count}}`));
  return [...p.log().matchAll(/listening on (\S+)/g)].map((m) => m[1] as string);
}

/** Kill everything still running (afterAll). */
export async function stopAll(): Promise<void> {
  const procs = [...running];
  for (const p of procs) p.kill("SIGKILL");
  await Promise.all(procs.map((p) => p.exited.catch(() => 0)));
}

/** Why a test must skip (a binary is missing), or null. Prints the reason. */
export function missing(...bins: string[]): string | null {
  const absent = bins.filter((b) => !Bun.which(b, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }));
  if (absent.length === 0) return null;
  const reason = `skipped: ${absent.join(", ")} not installed (apt-get install ${absent.join(" ")})`;
  console.error(reason);
  return reason;
}

export function binPath(bin: string): string {
  return Bun.which(bin, { PATH: `${process.env.PATH}:/usr/sbin:/sbin` }) ?? bin;
}
