/**
 * Enlarge a pipe's kernel buffer (Linux F_SETPIPE_SZ). With the default 64 KiB pipes, stdin/stdout
 * copies cost bondcat 13–38% of its throughput (docs/ARCHITECTURE.md, DESIGN §4). Best effort: a no-op
 * off Linux, for non-pipes, or where bun:ffi is unavailable.
 */
import { fstatSync } from "node:fs";
import { libc } from "./libc.ts";

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;

/** Try to set the pipe behind `fd` to `bytes`; returns the size in effect, or null if not a pipe. */
export function enlargePipe(fd: number, bytes = 1 << 20): number | null {
  try {
    if (!fstatSync(fd).isFIFO()) return null;
  } catch {
    return null;
  }
  const c = libc();
  if (!c) return null;
  const cur = c.fcntl(fd, F_GETPIPE_SZ, 0);
  if (cur >= bytes) return cur;
  const r = c.fcntl(fd, F_SETPIPE_SZ, bytes);
  return r > 0 ? r : cur > 0 ? cur : null;
}
