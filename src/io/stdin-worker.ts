/**
 * The source of the stdin reader's Worker (src/io/stdin-reader.ts), run from a Blob URL. It reads the
 * fd with blocking reads straight into the free slots of a shared ring, at most `ahead` slots (set by the
 * main thread as it goes) ahead of what the main thread has taken (read-ahead is data queued in front of anything typed later), and
 * only while the ring has a free slot. A non-blocking fd (O_NONBLOCK is shared by every fd of one
 * file description, e.g. stdin and stdout on one socket, and stdout is made non-blocking) is waited
 * on with poll(), never by sleeping and retrying.
 *
 * Control block (Int32, every counter modulo 2^32, compared by difference):
 *   [0] produced  [1] released  [2] stop  [3] taken  [4] wake  [5] sleeping  [6] ahead (slots)
 *   [7] posted  [8] read token (0: the worker, 1: the main thread)  [9 + slot] bytes read into that slot
 * The worker posts a message for new chunks only while `posted` is clear (it sets it); the main thread
 * clears it, then reads `produced`: a chunk stored after that read finds `posted` clear and posts again,
 * so none is missed, and a main thread that is busy gets one message for many chunks.
 * The main thread bumps `wake` and notifies only while `sleeping` is set (a notify per chunk cost a
 * quarter of the sender's CPU), and always on stop. No wakeup is lost: the worker sets `sleeping`, then
 * looks at the counters once more, then waits on the `wake` it read after setting the flag; the main
 * thread stores the counters, then reads the flag (all Atomics are sequentially consistent), so either
 * the worker sees the new counters or the main thread sees the flag and changes `wake`.
 *
 * The read token ([8], with `handOff`, for pipes and sockets): only its holder reads the fd. A worker
 * stopped at its limits hands the token to the main thread, which then reads on demand itself — a
 * poll and a read, no wake of this thread (a wake is a futex and a cross-core interrupt: ~0.1 ms on a
 * VM, 16% of the sender's samples in bulk) — and gives it back, with a wake, once the fd has nothing
 * to read: this thread then waits for input in read(). The holder publishes `produced` before handing
 * the token over; the worker takes up the main thread's count when the token comes back.
 */
export const CTL_PRODUCED = 0;
export const CTL_RELEASED = 1;
export const CTL_STOP = 2;
export const CTL_TAKEN = 3;
export const CTL_WAKE = 4;
export const CTL_SLEEPING = 5;
export const CTL_AHEAD = 6;
export const CTL_POSTED = 7;
export const CTL_TOKEN = 8;
export const CTL_LENGTHS = 9;
export const TOKEN_WORKER = 0;
export const TOKEN_MAIN = 1;

export const WORKER_SOURCE = `
const { readSync } = require("node:fs");
let poll = null;
try {
  const ffi = require("bun:ffi");
  poll = ffi.dlopen("libc.so.6", {
    poll: { args: [ffi.FFIType.ptr, ffi.FFIType.u64, ffi.FFIType.i32], returns: ffi.FFIType.i32 },
  }).symbols.poll;
} catch {}
const pollfd = new Int32Array(2);
self.onmessage = (e) => {
  const { fd, ring, ctl, slots, slotSize, headroom, base, handOff } = e.data;
  const bytes = new Uint8Array(ring);
  const c = new Int32Array(ctl);
  const nap = new Int32Array(new SharedArrayBuffer(4));
  let produced = base | 0;
  let slot = 0;
  for (;;) {
    for (;;) {
      const wake = Atomics.load(c, ${CTL_WAKE});
      if (Atomics.load(c, ${CTL_STOP})) return;
      if (Atomics.load(c, ${CTL_TOKEN}) === ${TOKEN_WORKER}) {
        // The main thread may have read while it held the token: take up its count.
        const now = Atomics.load(c, ${CTL_PRODUCED});
        if (now !== produced) { slot = (slot + ((now - produced) | 0)) % slots; produced = now; }
        const released = Atomics.load(c, ${CTL_RELEASED});
        const taken = Atomics.load(c, ${CTL_TAKEN});
        const ahead = Atomics.load(c, ${CTL_AHEAD});
        if (((produced - released) | 0) < slots && ((produced - taken) | 0) < ahead) break;
        if (handOff) {
          // The main thread reads from here on, as its consumer asks; tell it (a message it may already have coming).
          Atomics.store(c, ${CTL_TOKEN}, ${TOKEN_MAIN});
          if (Atomics.compareExchange(c, ${CTL_POSTED}, 0, 1) === 0) postMessage(1);
        }
      }
      // Announce the sleep, then look once more (the loop) before waiting on the wake read after it.
      if (Atomics.load(c, ${CTL_SLEEPING}) === 0) Atomics.store(c, ${CTL_SLEEPING}, 1);
      else Atomics.wait(c, ${CTL_WAKE}, wake, 1000);
    }
    Atomics.store(c, ${CTL_SLEEPING}, 0);
    let n;
    for (;;) {
      try { n = readSync(fd, bytes, slot * slotSize + headroom, slotSize - headroom, null); break; }
      catch (err) {
        if (err && err.code === "EAGAIN") {
          if (Atomics.load(c, ${CTL_STOP})) return;
          if (poll) { pollfd[0] = fd; pollfd[1] = 1; poll(pollfd, 1, 1000); } // POLLIN
          else Atomics.wait(nap, 0, 0, 2);
          continue;
        }
        if (err && err.code === "EOF") { n = 0; break; }
        postMessage({ err: String((err && err.message) || err), code: err && err.code });
        return;
      }
    }
    if (n === 0) { postMessage({ eof: true }); return; }
    Atomics.store(c, ${CTL_LENGTHS} + slot, n);
    produced = (produced + 1) | 0;
    Atomics.store(c, ${CTL_PRODUCED}, produced);
    slot = (slot + 1) % slots;
    if (Atomics.compareExchange(c, ${CTL_POSTED}, 0, 1) === 0) postMessage(1);
  }
};`;
