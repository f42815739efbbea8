/**
 * Child processes for integration tests: bondcat (through bin/bondcat.js, as users run it), nginx,
 * tinyproxy. Every process started here is tracked; `stopAll()` (call it in afterAll) kills what is
 * still running. Helpers wait for log lines instead of sleeping, and never assert timings.
 */
import type { Subprocess } from "bun";
import { BIN, BUN, killAll, spawnCli } from "./cli.ts";

export { BUN, ROOT } from "./cli.ts";

export interface Proc {
  proc: Subprocess;
  /** Everything the process wrote to stderr, then stdout (unless stdout goes to a file), so far. */
  log(): string;
  /** Resolves with the first match of `re` in the log; rejects if the process exits first or after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Exit code (or 128+signal). */
  exited: Promise<number>;
  kill(): void;
  /** With `stdin: "pipe"`: write to its stdin / close it. */
  write(data: Uint8Array | string): Promise<void>;
  endInput(): Promise<void>;
}

export interface StartOptions {
  /** File to feed as stdin; "ignore" for none (default); "pipe" to write it as the test goes. */
  stdin?: string | "ignore" | "pipe";
  /** File for stdout; default: kept in the log. */
  stdout?: string;
  env?: Record<string, string | undefined>;
  cwd?: string;
}

/**
 * Start any program (nginx, tinyproxy, bondcat). One spawning implementation for all tests: this is a
 * log-oriented view of test/helpers/cli.ts, whose killAll() also ends these.
 */
export function start(cmd: string[], o: StartOptions = {}): Proc {
  const cli = spawnCli([], {
    command: cmd,
    stdin: o.stdin === "pipe" ? "pipe" : o.stdin && o.stdin !== "ignore" ? { file: o.stdin } : "ignore",
    stdout: o.stdout ? { file: o.stdout } : "keep",
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  const log = (): string => cli.stderr + (o.stdout ? "" : cli.stdoutText());
  return {
    proc: cli.proc as unknown as Subprocess,
    log,
    exited: cli.exited,
    kill: () => cli.signal("SIGKILL"),
    write: (data) => cli.write(data),
    endInput: () => cli.endInput(),
    async waitFor(re, ms = 60_000) {
      const deadline = Date.now() + ms;
      let done = false;
      void cli.exited.then(() => (done = true));
      for (;;) {
        const m = log().match(re);
        if (m) return m;
        if (done) throw new Error(`${cmd[0]} exited before printing ${re}:\n${log()}`);
        if (Date.now() > deadline) throw new Error(`${cmd[0]}: no ${re} after ${ms} ms:\n${log()}`);
        await Bun.sleep(20);
      }
    },
  };
}

export function bondcat(args: string[], o: StartOptions = {}): Proc {
  return start([BUN, BIN, ...args], o);
}

/** Listening URLs a bondcat listener printed, in order (waits for `count` of them). */
export async function listeningUrls(p: Proc, count: number): Promise<string[]> {
  await p.waitFor(new RegExp(`(listening on \\S+[\\s\\S]*){${count}}`));
  return [...p.log().matchAll(/listening on (\S+)/g)].map((m) => m[1] as string);
}

/** Kill everything still running (afterAll). */
export async function stopAll(): Promise<void> {
  await killAll();
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
