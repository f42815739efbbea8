/**
 * Writes to a file descriptor (stdout) with blocking writes: the fastest way out of the process
 * (no copies, no promise per chunk). A non-blocking descriptor (EAGAIN) is waited on briefly.
 * A closed reader (EPIPE) is reported once; nothing more is written after it.
 */
import { writeSync } from "node:fs";

const pause = new Int32Array(new SharedArrayBuffer(4));

export class StdoutWriter {
  bytes = 0;
  failed: Error | null = null;

  constructor(private readonly fd: number) {}

  /** Write all of `view`; returns false once the output is gone (then `failed` says why). */
  write(view: Uint8Array): boolean {
    if (this.failed) return false;
    let pos = 0;
    while (pos < view.length) {
      try {
        pos += writeSync(this.fd, view, pos, view.length - pos);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === "EAGAIN") {
          Atomics.wait(pause, 0, 0, 1);
          continue;
        }
        this.failed = err as Error;
        return false;
      }
    }
    this.bytes += view.length;
    return true;
  }
}
