/**
 * Writes received bytes to a file descriptor (stdout) without ever blocking the event loop for long.
 *
 * A pipe or socket is switched to non-blocking mode. When the reader is behind, the writer waits for it
 * (poll) at most WAIT_MS — a fast consumer frees space within microseconds — and otherwise keeps the
 * rest (a view, no copy), returns false so the session stops delivering (its receive window stops
 * advancing and the remote sender slows down), and checks again every RETRY_MS. (A plain blocking write
 * once stalled the whole event loop while a consumer paused: no ACKs, no heartbeats, and the peer took
 * its paths for dead.) Files and terminals keep plain blocking writes. `finish()` restores blocking
 * mode and writes whatever is still kept, so nothing is lost at exit.
 */
import { fstatSync, writeSync } from "node:fs";
import { setNonBlocking, waitWritable } from "./fd-flags.ts";

const NAP = new Int32Array(new SharedArrayBuffer(4));

/** Longest the event loop is held waiting for the reader. */
const WAIT_MS = 20;
/** How often a paused output is checked again. */
const RETRY_MS = 5;

export class StdoutWriter {
  bytes = 0;
  failed: Error | null = null;
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private restore: (() => void) | null = null;

  constructor(
    private readonly fd: number,
    /** Called once kept bytes are all written after `write()` returned false. */
    private readonly writable: () => void = () => {},
  ) {
    let st;
    try {
      st = fstatSync(fd);
    } catch {
      return;
    }
    if (st.isFIFO() || st.isSocket()) this.restore = setNonBlocking(fd);
  }

  /** Bytes are kept, waiting for the reader. */
  get busy(): boolean {
    return this.pending.length > 0;
  }

  /** Take `view`; false = it is kept for later (stop delivering until `writable`) or output failed. */
  write(view: Uint8Array): boolean {
    if (this.failed) return false;
    if (this.pending.length > 0) {
      this.pending.push(view);
      return false;
    }
    let rest = this.writeSome(view);
    if (rest !== null) {
      // Wait for the reader, WAIT_MS in all: a slow but steady reader must not hold the loop for long.
      const deadline = performance.now() + WAIT_MS;
      for (let left = WAIT_MS; rest !== null && left > 0 && waitWritable(this.fd, Math.ceil(left)); left = deadline - performance.now()) {
        rest = this.writeSome(rest);
      }
    }
    if (rest === null) return !this.failed;
    this.pending.push(rest);
    this.schedule();
    return false;
  }

  /**
   * Everything kept written out, waiting for the reader as long as it takes (before exit), and the fd's
   * flags restored. The fd may have been non-blocking before we touched it (a parent's pipe), so EAGAIN
   * is waited out here rather than trusted away.
   */
  finish(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = [];
    for (let v of pending) {
      for (let rest = this.writeSome(v); rest !== null; rest = this.writeSome(v)) {
        v = rest;
        if (!waitWritable(this.fd, 1000)) Atomics.wait(NAP, 0, 0, 1);
      }
      if (this.failed) break;
    }
    this.restore?.();
    this.restore = null;
  }

  /** Write as much of `view` as the fd takes now; the unwritten rest, or null when all went (or failed). */
  private writeSome(view: Uint8Array): Uint8Array | null {
    let pos = 0;
    while (pos < view.length) {
      try {
        const n = writeSync(this.fd, view, pos, view.length - pos);
        pos += n;
        this.bytes += n;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "EAGAIN") return view.subarray(pos);
        this.failed = err as Error;
        this.pending = [];
        return null;
      }
    }
    return null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), RETRY_MS);
  }

  private flush(): void {
    this.timer = null;
    const p = this.pending;
    for (let i = 0; i < p.length; i++) {
      const rest = this.writeSome(p[i]!);
      if (this.failed) return this.writable();
      if (rest !== null) {
        p[i] = rest;
        if (i > 0) this.pending = p.slice(i); // one copy per flush, not a shift() per view
        return this.schedule();
      }
    }
    this.pending = [];
    this.writable();
  }
}
