/**
 * Test helpers around the Pipe contract: a recording PipeHandler, a backpressure-respecting
 * writer, deterministic test data, and a guard that turns a hang into a descriptive failure.
 */
import type { Pipe, PipeHandler } from "../../src/contract/pipe.ts";

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` if `p` has not settled after `ms` (a hang guard, not a timing assertion). */
export function within<T>(p: Promise<T>, what: string, ms = 60_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hang: ${what} (not settled after ${ms} ms)`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}

/** Deterministic pseudo-random bytes (xorshift32). */
export function testBytes(length: number, seed = 1): Uint8Array {
  const words = new Uint32Array(Math.ceil(length / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return new Uint8Array(words.buffer, 0, length);
}

export function sha256(...parts: Uint8Array[]): string {
  const h = new Bun.CryptoHasher("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Records everything a pipe hands over. Keeps the views themselves (not copies). */
export class Recorder implements PipeHandler {
  readonly views: Uint8Array[] = [];
  bytes = 0;
  drains = 0;
  endCount = 0;
  closedCount = 0;
  closedErr: Error | undefined;
  /** Calls that came after closed() (must stay 0), and data after end() (must stay 0). */
  callsAfterClosed = 0;
  dataAfterEnd = 0;
  readonly whenEnded: Promise<void>;
  readonly whenClosed: Promise<Error | undefined>;
  private onEnded!: () => void;
  private onClosed!: (err: Error | undefined) => void;
  private drainWaiter: (() => void) | undefined;

  constructor() {
    this.whenEnded = new Promise((r) => (this.onEnded = r));
    this.whenClosed = new Promise((r) => (this.onClosed = r));
  }

  data(view: Uint8Array): void {
    if (this.closedCount) this.callsAfterClosed++;
    if (this.endCount) this.dataAfterEnd++;
    this.views.push(view);
    this.bytes += view.length;
  }

  drain(): void {
    if (this.closedCount) this.callsAfterClosed++;
    this.drains++;
    const w = this.drainWaiter;
    this.drainWaiter = undefined;
    w?.();
  }

  end(): void {
    if (this.closedCount) this.callsAfterClosed++;
    this.endCount++;
    this.onEnded();
  }

  closed(err?: Error): void {
    if (this.closedCount) this.callsAfterClosed++;
    this.closedCount++;
    this.closedErr = err;
    this.onClosed(err);
  }

  /** Resolves at the next drain(), or at once if the pipe closed meanwhile. */
  nextDrain(): Promise<void> {
    return new Promise((r) => {
      this.drainWaiter = r;
      void this.whenClosed.then(() => r());
    });
  }

  text(): string {
    return new TextDecoder().decode(concat(this.views));
  }

  hash(): string {
    return sha256(...this.views);
  }

  /** Resolves when at least `n` bytes arrived (or the pipe ended/closed first). */
  async untilBytes(n: number): Promise<void> {
    while (this.bytes < n && !this.endCount && !this.closedCount) await sleep(5);
  }
}

export interface WriteStats {
  writes: number;
  falses: number;
  /** Largest `pipe.queued` seen right after a write returned false. */
  maxQueued: number;
}

/**
 * Writes `data` in pieces cycling through `sizes`, as views into `data` (offsets not aligned),
 * waiting for drain() whenever write() returns false.
 */
export async function writeAll(pipe: Pipe, rec: Recorder, data: Uint8Array, sizes: number[]): Promise<WriteStats> {
  const stats: WriteStats = { writes: 0, falses: 0, maxQueued: 0 };
  let off = 0;
  let i = 0;
  while (off < data.length) {
    const n = Math.min(sizes[i++ % sizes.length] ?? 1, data.length - off);
    const ok = pipe.write(data.subarray(off, off + n));
    off += n;
    stats.writes++;
    if (!ok) {
      stats.falses++;
      stats.maxQueued = Math.max(stats.maxQueued, pipe.queued);
      await within(rec.nextDrain(), `drain after write() returned false (${off} bytes written)`);
      if (rec.closedCount) throw new Error(`pipe closed while writing: ${rec.closedErr?.message}`);
    }
  }
  return stats;
}
