/**
 * Non-blocking output on a file descriptor, and a look at whether input is waiting, through bun:ffi
 * (fcntl, poll); best effort, null where unavailable (then callers keep blocking writes and reads).
 */
import { libc } from "./libc.ts";

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const POLLIN = 0x001;
const POLLOUT = 0x004;

/** Make `fd` non-blocking; returns a function that restores its previous flags, or null if not done. */
export function setNonBlocking(fd: number): (() => void) | null {
  const c = libc();
  if (!c) return null;
  const flags = c.fcntl(fd, F_GETFL, 0);
  if (flags < 0) return null;
  if ((flags & O_NONBLOCK) !== 0) return () => {};
  if (c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return null;
  return () => void c.fcntl(fd, F_SETFL, flags);
}

const pollfd = new Int32Array(2); // struct pollfd { int fd; short events; short revents; }

/** poll() one fd for `events` up to `timeoutMs`: whether it is ready; null without poll(). */
function pollOne(fd: number, events: number, timeoutMs: number): boolean | null {
  const c = libc();
  if (!c) return null;
  pollfd[0] = fd;
  pollfd[1] = events; // events (low 16 bits, little-endian); revents cleared
  return c.poll(pollfd, 1, timeoutMs) > 0;
}

/** Wait up to `timeoutMs` for `fd` to take more output; true when it will. */
export function waitWritable(fd: number, timeoutMs: number): boolean {
  return pollOne(fd, POLLOUT, timeoutMs) ?? true;
}

/** Whether a read of `fd` returns at once (data, end of file or an error waiting); null without poll(). */
export function readableNow(fd: number): boolean | null {
  return pollOne(fd, POLLIN, 0); // POLLIN, or POLLHUP/POLLERR: the read reports it
}
