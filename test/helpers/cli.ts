/**
 * Spawn bondcat CLI processes for end-to-end tests: real processes, real sockets on loopback.
 *
 *   const l = await startListener(["-k", "--relay", `127.0.0.1:${echo.port}`]);
 *   const c = spawnCli(["-x", "3", `127.0.0.1:${l.port}`], { stdin: { file: input } });
 *   expect(await c.exited).toBe(0);
 *   expect(await c.stdoutSha256()).toBe(want);
 *   afterEach(killAll);   // every process a test started dies, whatever happened
 *
 * stdout is hashed as it streams (kept too with `stdout: "keep"`); stderr is collected as text.
 * `command` replaces `bun bin/bondcat.js` (e.g. a compiled binary).
 */
import type { Subprocess } from "bun";
import { createHash, type Hash } from "node:crypto";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
/** The Bun running the tests (node_modules/.bin/bun when run with it). */
export const BUN = process.execPath;
export const BIN = join(ROOT, "bin", "bondcat.js");

export type StdinSource = "ignore" | "pipe" | { file: string } | Uint8Array | string;
export type StdoutSink = "hash" | "keep" | "ignore" | { file: string };

export interface CliOptions {
  /** Default "ignore" (/dev/null). A string is sent as UTF-8. */
  stdin?: StdinSource;
  /** Default "hash". */
  stdout?: StdoutSink;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Program and leading arguments instead of [bun, bin/bondcat.js]. */
  command?: string[];
}

const live = new Set<Cli>();

export class Cli {
  readonly proc: Subprocess<"pipe" | "ignore", "pipe" | "ignore", "pipe">;
  /** The exit code (128 + n for a signal), once stdout and stderr are fully read. */
  readonly exited: Promise<number>;
  stdoutBytes = 0;
  private err = "";
  private readonly hash: Hash = createHash("sha256");
  private readonly kept: Uint8Array[] | null;
  private digest: string | null = null;

  constructor(
    readonly args: string[],
    o: CliOptions = {},
  ) {
    const stdin = o.stdin ?? "ignore";
    const stdout = o.stdout ?? "hash";
    this.kept = stdout === "keep" ? [] : null;
    this.proc = Bun.spawn([...(o.command ?? [BUN, BIN]), ...args], {
      stdin: typeof stdin === "string" && stdin !== "ignore" && stdin !== "pipe"
        ? new TextEncoder().encode(stdin)
        : typeof stdin === "object" && !(stdin instanceof Uint8Array) ? Bun.file(stdin.file) : stdin,
      stdout: typeof stdout === "object" ? Bun.file(stdout.file) : stdout === "ignore" ? "ignore" : "pipe",
      stderr: "pipe",
      env: environment(o.env),
      cwd: o.cwd ?? ROOT,
    }) as Cli["proc"];
    live.add(this);
    const reading = [this.readErr()];
    if (this.proc.stdout instanceof ReadableStream) reading.push(this.readOut(this.proc.stdout));
    this.exited = Promise.all([this.proc.exited, ...reading]).then(([code]) => {
      live.delete(this);
      const sig = this.proc.signalCode;
      return code ?? (typeof sig === "string" ? 128 + (SIGNALS[sig] ?? 0) : 1);
    });
  }

  private async readErr(): Promise<void> {
    const dec = new TextDecoder();
    for await (const c of this.proc.stderr) this.err += dec.decode(c, { stream: true });
  }

  private async readOut(stream: ReadableStream<Uint8Array>): Promise<void> {
    for await (const c of stream) {
      this.stdoutBytes += c.length;
      this.hash.update(c);
      this.kept?.push(c);
    }
  }

  get pid(): number {
    return this.proc.pid;
  }

  get stderr(): string {
    return this.err;
  }

  /** What came out on stdout (only with `stdout: "keep"`). */
  stdout(): Uint8Array {
    if (this.kept === null) throw new Error("stdout was not kept (use stdout: 'keep')");
    return Buffer.concat(this.kept);
  }

  stdoutText(): string {
    return new TextDecoder().decode(this.stdout());
  }

  /** sha256 (hex) of stdout, once the process has exited. */
  async stdoutSha256(): Promise<string> {
    await this.exited;
    this.digest ??= this.hash.digest("hex");
    return this.digest;
  }

  /** Write to stdin (with `stdin: "pipe"`). */
  async write(data: Uint8Array | string): Promise<void> {
    const sink = this.proc.stdin;
    if (typeof sink !== "object" || sink === null) throw new Error("stdin is not a pipe");
    sink.write(data);
    await sink.flush();
  }

  /** Close stdin (with `stdin: "pipe"`). */
  async endInput(): Promise<void> {
    const sink = this.proc.stdin;
    if (typeof sink === "object" && sink !== null) await sink.end();
  }

  /** Resolve with the first match of `re` in stderr; reject after `timeoutMs` or if the process exits first. */
  async waitForStderr(re: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const t0 = Date.now();
    for (;;) {
      const m = re.exec(this.err);
      if (m) return m;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        await this.exited;
        const late = re.exec(this.err);
        if (late) return late;
        throw new Error(`bondcat ${this.args.join(" ")} exited (${await this.exited}) before ${re}; stderr:\n${this.err}`);
      }
      if (Date.now() - t0 > timeoutMs) throw new Error(`no ${re} in ${timeoutMs} ms; stderr:\n${this.err}`);
      await Bun.sleep(20);
    }
  }

  /** The port printed by "listening on …:PORT" (the first one). */
  async waitForPort(timeoutMs = 20_000): Promise<number> {
    const m = await this.waitForStderr(/listening on \S+:(\d+)/, timeoutMs);
    return Number(m[1]);
  }

  /** Wait for the exit; a different code throws with the command line and its stderr (readable failures). */
  async expectExit(...codes: number[]): Promise<number> {
    const code = await this.exited;
    if (!codes.includes(code)) {
      throw new Error(`${this.args.join(" ")}: exit ${code}, expected ${codes.join(" or ")}; stderr:\n${this.err}`);
    }
    return code;
  }

  /** The exit code, or null if still running after `ms`. */
  async exitedWithin(ms: number): Promise<number | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const r = await Promise.race([this.exited, new Promise<null>((res) => (timer = setTimeout(() => res(null), ms)))]);
    clearTimeout(timer);
    return r;
  }

  signal(sig: NodeJS.Signals): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(sig);
  }

  /** SIGKILL and wait. */
  async kill(): Promise<void> {
    this.signal("SIGKILL");
    await this.exited;
  }
}

/** The test's environment plus `extra`; an `undefined` value removes the variable. */
function environment(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: "1", ...extra })) if (v !== undefined) env[k] = v;
  return env;
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

export function spawnCli(args: string[], o: CliOptions = {}): Cli {
  return new Cli(args, o);
}

/** Start `bondcat -l …` on a free port (unless args choose one); resolves once it printed its port. */
export async function startListener(args: string[], o: CliOptions = {}): Promise<{ cli: Cli; port: number }> {
  const cli = spawnCli(["-l", ...args], o);
  try {
    return { cli, port: await cli.waitForPort() };
  } catch (err) {
    await cli.kill();
    throw err;
  }
}

/** Kill every process spawned here that is still running (use in afterEach/afterAll). */
export async function killAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.kill()));
}

/** Poll `cond` every 20 ms; throw after `timeoutMs` (generous bounds only: this is not a timing assert). */
export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what = "condition"): Promise<void> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(20);
  }
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Deterministic pseudo-random bytes (xorshift), fast and reproducible. */
export function pseudoRandom(bytes: number, seed = 1): Uint8Array {
  const out = new Uint8Array(bytes);
  const words = new Uint32Array(out.buffer, 0, bytes >>> 2);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < bytes; i++) out[i] = i & 0xff;
  return out;
}
