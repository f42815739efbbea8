/**
 * Non-blocking output on a file descriptor through bun:ffi (fcntl, poll); best effort, null where
 * unavailable (then callers keep blocking writes).
 */
import { libcFcntl } from "./pipe-size.ts";

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const POLLOUT = 0x004;

/** Make `fd` non-blocking; returns a function that restores its previous flags, or null if not done. */
export function setNonBlocking(fd: number): (() => void) | null {
  const fcntl = libcFcntl();
  if (!fcntl || !libcPoll()) return null;
  const flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0) return null;
  if ((flags & O_NONBLOCK) !== 0) return () => {};
  if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return null;
  return () => void fcntl(fd, F_SETFL, flags);
}

type Poll = (fds: Int32Array, n: number, timeoutMs: number) => number;
let poll: Poll | null | undefined;
const pollfd = new Int32Array(2); // struct pollfd { int fd; short events; short revents; }

function libcPoll(): Poll | null {
  if (poll !== undefined) return poll;
  poll = null;
  if (process.platform !== "linux") return null;
  try {
    const ffi = require("bun:ffi") as typeof import("bun:ffi");
    const lib = ffi.dlopen("libc.so.6", {
      poll: { args: [ffi.FFIType.ptr, ffi.FFIType.u64, ffi.FFIType.i32], returns: ffi.FFIType.i32 },
    });
    poll = lib.symbols.poll as unknown as Poll;
  } catch {
    poll = null;
  }
  return poll;
}

/** Wait up to `timeoutMs` for `fd` to take more output; true when it will. */
export function waitWritable(fd: number, timeoutMs: number): boolean {
  const p = libcPoll();
  if (!p) return true;
  pollfd[0] = fd;
  pollfd[1] = POLLOUT; // events (low 16 bits, little-endian); revents cleared
  return p(pollfd, 1, timeoutMs) > 0;
}
