/**
 * Exec mode: every session runs a program (Bun.spawn, no shell) with the session as its stdin and
 * stdout; its stderr is inherited. The peer's FIN closes the program's stdin; once the program has
 * exited and its stdout is drained, our direction ends (session.end()). Backpressure both ways: a full
 * stdin pipe pauses the session's delivery, a full session stops reading the program's stdout.
 *
 * Bun facts (1.4.5, checked with throwaway scripts): `stdin.write()` returns a number when the bytes
 * went out (or were buffered), a Promise when the pipe is full (resolves once written), and `true`
 * once the program has gone (the bytes are dropped, as netcat would).
 */
import type { FileSink, Subprocess } from "bun";
import { AbortCode, type SessionHandle } from "../api/index.ts";
import type { LocalSide } from "./local-side.ts";

export interface ExecOptions {
  argv: string[];
  /** Extra environment for the program (added to the inherited one). */
  env?: Record<string, string>;
  /** The program's exit status, when it is not 0 (or it was killed by a signal). */
  exited?(code: number | null, signal: NodeJS.Signals | number | null): void;
  debug?(message: string): void;
}

type Proc = Subprocess<"pipe", "pipe", "inherit">;

export class ExecSide implements LocalSide {
  private session: SessionHandle | null = null;
  private proc: Proc | null = null;
  private stdin: FileSink | null = null;
  /** Peer bytes that came before the program started. */
  private early: Uint8Array[] = [];
  private peerEnded = false;
  private stdinClosed = false;
  private waiting = false;
  /** Resolves the output loop's wait for the session's drain. */
  private wake: (() => void) | null = null;
  private finished = false;
  private over = false;

  constructor(private readonly o: ExecOptions) {}

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  // ---------------------------------------------------------------- session → program stdin

  data(view: Uint8Array): boolean {
    if (this.stdinClosed) return true;
    if (this.stdin === null) {
      this.early.push(view);
      this.waiting = true;
      return false;
    }
    return this.push(view);
  }

  private push(view: Uint8Array): boolean {
    const r = (this.stdin as FileSink).write(view);
    if (typeof r === "number" || typeof r === "boolean") return true;
    this.waiting = true;
    r.then(
      () => this.resumePeer(),
      () => this.resumePeer(), // the program went away: the rest is dropped
    );
    return false;
  }

  private resumePeer(): void {
    if (!this.waiting || this.over) return;
    this.waiting = false;
    this.session?.resume();
  }

  end(): void {
    this.peerEnded = true;
    if (this.stdin !== null) this.closeStdin();
  }

  private closeStdin(): void {
    if (this.stdinClosed || this.stdin === null) return;
    this.stdinClosed = true;
    try {
      const r = this.stdin.end();
      if (typeof r === "object") r.catch(() => {});
    } catch {
      // already closed by the program's exit
    }
  }

  // ---------------------------------------------------------------- program stdout → session

  drain(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  private async pumpOutput(proc: Proc, session: SessionHandle): Promise<void> {
    const reader = proc.stdout.getReader();
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        if (this.finished || session.state !== "open") continue; // drained and dropped
        if (!session.write(r.value)) await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } catch (err) {
      this.o.debug?.(`exec: reading the program's output: ${(err as Error).message}`);
    } finally {
      reader.releaseLock();
    }
  }

  // ---------------------------------------------------------------- lifecycle

  start(session: SessionHandle): void {
    this.session = session;
    let proc: Proc;
    try {
      proc = Bun.spawn(this.o.argv, {
        stdin: "pipe",
        stdout: "pipe",
        stderr: "inherit",
        env: { ...process.env, ...this.o.env },
      });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      session.abort(AbortCode.APPLICATION, `exec ${this.o.argv[0]}: ${e.message}`, e);
      return;
    }
    this.proc = proc;
    this.stdin = proc.stdin;
    this.o.debug?.(`exec: started ${this.o.argv.join(" ")} (pid ${proc.pid})`);
    const early = this.early;
    this.early = [];
    let ok = true;
    for (const v of early) ok = this.push(v) && ok;
    if (ok) this.resumePeer();
    if (this.peerEnded) this.closeStdin();
    Promise.all([proc.exited, this.pumpOutput(proc, session)]).then(([code]) => {
      if (code !== 0 || proc.signalCode !== null) this.o.exited?.(proc.exitCode, proc.signalCode);
      else this.o.debug?.(`exec: ${this.o.argv[0]} exited with 0`);
      this.closeStdin();
      this.stdinClosed = true;
      this.resumePeer(); // anything still coming is dropped
      this.endSession();
    });
  }

  private endSession(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.session?.state === "open") this.session.end();
  }

  finish(): void {
    this.endSession();
    this.drain();
  }

  close(err?: Error): void {
    this.over = true;
    this.drain();
    this.closeStdin();
    const p = this.proc;
    if (p !== null && p.exitCode === null && p.signalCode === null) {
      this.o.debug?.(`exec: stopping ${this.o.argv[0]} (pid ${p.pid})${err ? `: ${err.message}` : ""}`);
      p.kill("SIGTERM");
    }
  }
}
