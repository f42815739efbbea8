/**
 * The one libc loader of src/io: the few calls Node's API lacks (fcntl, poll, tcgetpgrp, getpgrp), through
 * bun:ffi, loaded lazily once. Null off Linux or where bun:ffi is unavailable: every caller has a
 * best-effort fallback. (The stdin worker, a source string run in its own thread, loads its own poll.)
 */
export interface Libc {
  fcntl(fd: number, cmd: number, arg: number): number;
  /** poll(struct pollfd *fds, nfds, timeoutMs); `fds` as Int32 pairs { fd, events | revents << 16 }. */
  poll(fds: Int32Array, n: number, timeoutMs: number): number;
  tcgetpgrp(fd: number): number;
  getpgrp(): number;
}

let lib: Libc | null | undefined;

export function libc(): Libc | null {
  if (lib !== undefined) return lib;
  lib = null;
  if (process.platform !== "linux") return null;
  try {
    // Loaded lazily so that non-Linux platforms and bundlers never touch bun:ffi.
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const { i32, u64, ptr } = ffi.FFIType;
    lib = ffi.dlopen("libc.so.6", {
      fcntl: { args: [i32, i32, i32], returns: i32 },
      poll: { args: [ptr, u64, i32], returns: i32 },
      tcgetpgrp: { args: [i32], returns: i32 },
      getpgrp: { args: [], returns: i32 },
    }).symbols as unknown as Libc;
  } catch {
    lib = null;
  }
  return lib;
}
