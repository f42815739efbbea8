/**
 * Keeps listeners out of the EMFILE accept spin. When the process runs out of file descriptors, Bun's
 * accept loop fails (EMFILE) and is woken again at once by the same pending connection: 120 000 failing
 * accept4() calls in 3 s were measured, a core at 100% while legitimate clients time out.
 *
 * So listening sockets are closed a little before the limit (the kernel then refuses new connections
 * instead of queueing them) and opened again on the same port once enough descriptors are free.
 * The count comes from /proc/self/fd, the limit from /proc/self/limits (soft RLIMIT_NOFILE): checked
 * every CHECK_MS, and on every accept once the count is near the mark. Without /proc nothing happens.
 */
import { readdirSync, readFileSync } from "node:fs";
import { TransportError } from "../src/contract/errors.ts";

const CHECK_MS = 250;

interface Guarded {
  pause(count: number, limit: number): void;
  resume(): void;
}

const guarded = new Set<Guarded>();
let timer: ReturnType<typeof setInterval> | null = null;
let paused = false;
let lastCount = 0;
let acceptsSince = 0;

function readLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    return m && m[1] !== "unlimited" ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

const limit = readLimit();
/** Stop accepting at `high` open descriptors, start again at `low`. */
const high = limit - Math.max(16, Math.floor(limit / 16));
const low = high - Math.max(8, Math.floor(limit / 32));

function count(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return 0;
  }
}

function check(): void {
  lastCount = count();
  acceptsSince = 0;
  if (!paused && lastCount >= high) {
    paused = true;
    for (const g of guarded) g.pause(lastCount, limit);
  } else if (lastCount <= low) {
    paused = false;
    for (const g of guarded) g.resume(); // also retries one whose re-listen failed last time
  }
}

/** Call on every accepted connection: checks at once when the count may be near the mark. */
export function noteAccept(): void {
  if (limit === Infinity) return;
  if (lastCount + ++acceptsSince >= high - 4) check();
}

/**
 * A listening server that closes under descriptor pressure and re-opens (start() again: same address
 * and port) when it eases. `start` is called once here; errors of that first call propagate.
 */
export class GuardedServer<S> implements Guarded {
  private server: S | null;
  private closed = false;

  constructor(
    private readonly start: () => S,
    private readonly stopServer: (s: S) => void,
    private readonly onPause?: (count: number, limit: number) => void,
  ) {
    this.server = start();
    if (limit === Infinity) return;
    guarded.add(this);
    timer ??= setInterval(check, CHECK_MS);
    timer.unref?.();
    if (paused) this.pause(lastCount, limit);
  }

  get current(): S | null {
    return this.server;
  }

  pause(n: number, max: number): void {
    if (this.server === null) return;
    this.stopServer(this.server);
    this.server = null;
    this.onPause?.(n, max);
  }

  resume(): void {
    if (this.server !== null || this.closed) return;
    try {
      this.server = this.start();
    } catch {
      // the port is busy or descriptors are still short: the next check tries again
    }
  }

  close(): void {
    this.closed = true;
    guarded.delete(this);
    if (guarded.size === 0 && timer !== null) {
      clearInterval(timer);
      timer = null;
    }
    if (this.server !== null) this.stopServer(this.server);
    this.server = null;
  }
}

/** Reported through ListenOptions.rejected (a warning in the log) when a listener stops accepting. */
export function fdPressure(n: number, max: number): TransportError {
  return new TransportError("EMFILE", `${n} of ${max} file descriptors in use: not accepting connections until some close`);
}
