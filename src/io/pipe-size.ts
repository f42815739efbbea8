/**
 * Enlarge a pipe's kernel buffer (Linux F_SETPIPE_SZ). With the default 64 KiB pipes, stdin/stdout
 * copies cost bondcat 13–38% of its throughput (docs/ARCHITECTURE.md, DESIGN §4). Best effort: a no-op
 * off Linux, for non-pipes, or where bun:ffi is unavailable.
 */
import { fstatSync } from "node:fs";

const F_SETPIPE_SZ = 1031;
const F_GETPIPE_SZ = 1032;

type Fcntl = (fd: number, cmd: number, arg: number) => number;
let fcntl: Fcntl | null | undefined;

/** libc's fcntl(fd, cmd, int) through bun:ffi, or null off Linux / without ffi. */
export function libcFcntl(): Fcntl | null {
  return load();
}

function load(): Fcntl | null {
  if (fcntl !== undefined) return fcntl;
  fcntl = null;
  if (process.platform !== "linux") return null;
  try {
    // Loaded lazily so that non-Linux platforms and bundlers never touch bun:ffi.
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const lib = ffi.dlopen("libc.so.6", {
      fcntl: { args: [ffi.FFIType.i32, ffi.FFIType.i32, ffi.FFIType.i32], returns: ffi.FFIType.i32 },
    });
    fcntl = lib.symbols.fcntl as Fcntl;
  } catch {
    fcntl = null;
  }
  return fcntl;
}

/** Try to set the pipe behind `fd` to `bytes`; returns the size in effect, or null if not a pipe. */
export function enlargePipe(fd: number, bytes = 1 << 20): number | null {
  try {
    if (!fstatSync(fd).isFIFO()) return null;
  } catch {
    return null;
  }
  const f = load();
  if (!f) return null;
  const cur = f(fd, F_GETPIPE_SZ, 0);
  if (cur >= bytes) return cur;
  const r = f(fd, F_SETPIPE_SZ, bytes);
  return r > 0 ? r : cur > 0 ? cur : null;
}
