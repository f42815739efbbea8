/**
 * Reading stdin on the main thread, for the stdin reader's read token (stdin-reader.ts,
 * stdin-worker.ts): only a pipe or a socket, and only after poll() said the read returns at once, so
 * the event loop never blocks. Files and terminals stay on the worker (a slow disk must not stall the
 * loop). A second process reading the same pipe could take the data between the poll and the read
 * and leave the main thread blocked until more arrives: stdin is taken to be ours.
 */
import { fstatSync, readSync } from "node:fs";
import { readableNow } from "./fd-flags.ts";

/** A pipe or a socket, and poll() at hand. */
export function pollable(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return (st.isFIFO() || st.isSocket()) && readableNow(fd) !== null;
  } catch {
    return false;
  }
}

/**
 * Read into `bytes[offset, offset + length)` if that returns at once: the count (0 at end of input), or
 * null when nothing is waiting. Throws the read's error.
 */
export function readNow(fd: number, bytes: Uint8Array, offset: number, length: number): number | null {
  if (readableNow(fd) !== true) return null;
  try {
    return readSync(fd, bytes, offset, length, null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EAGAIN") return null; // non-blocking (one description with stdout): nothing after all
    if (code === "EOF") return 0;
    throw err;
  }
}
