/**
 * Reads a file descriptor (stdin) on a Worker thread with blocking reads, straight into the slots of a
 * shared ring buffer that leave room for the frame header (worker: stdin-worker.ts). The main thread
 * hands a filled slot to its consumer as a view — no copy, no allocation per chunk, memory fixed at
 * `(held + MAX_AHEAD) × (headroom + chunk)` — except short reads (≤ COPY_MAX, what a person types), which are
 * copied into a frame of their own so that a byte waiting for its acknowledgement never pins a slot.
 * (Transferring ArrayBuffers through postMessage copies them in Bun: ~50 µs per 256 KiB round trip.)
 *
 * Blocking reads on the main thread would stall its timers (acks, heartbeats), hence the worker. But
 * where the fd is a pipe or a socket, a worker stopped at its limits hands the read token to the main
 * thread, which then reads the slots its consumer asks for itself, each after poll() said the read
 * returns at once — in bulk no thread is woken at all (the wakes cost the sender 5–8% of its
 * throughput on loopback: BENCHMARKS.md) — and hands the token back, with a wake, once the fd has
 * nothing to read (stdin-worker.ts). Files and terminals stay on the worker. (A second process reading
 * the same pipe could take the data between the poll and the read and leave the main thread blocked
 * until more arrives.)
 *
 * A worker blocked in read(0) cannot be interrupted (terminate() leaves the thread behind), so there is
 * one reader per fd for the whole process (`sharedStdinReader`), lent to one consumer at a time: in
 * `-l -k` each session takes stdin in turn, and what arrives between sessions goes to the next one.
 */
import { fstatSync, readSync } from "node:fs";
import { readableNow } from "./fd-flags.ts";
import { CTL_AHEAD, CTL_LENGTHS, CTL_POSTED, CTL_PRODUCED, CTL_RELEASED, CTL_SLEEPING, CTL_STOP, CTL_TAKEN, CTL_TOKEN, CTL_WAKE, TOKEN_MAIN, TOKEN_WORKER, WORKER_SOURCE } from "./stdin-worker.ts";

export interface StdinConsumer {
  /** `headroom` free bytes then the bytes read. Return false to stop taking input until `resume()`. */
  chunk(frame: Uint8Array): boolean;
  /** End of input (now, or at once for every later consumer). */
  end(): void;
  error(err: Error): void;
  /** Bytes worth reading ahead of what it took (what its paths drain in a few ms); default one chunk. */
  readAhead?(): number;
}

/** Reads up to this size are copied out of the ring. */
export const COPY_MAX = 16 * 1024;
/**
 * Slots read ahead of what the consumer took — data queued in front of anything written later — at
 * most: the consumer's readAhead() bytes in chunks, between 1 and MAX_AHEAD. A worker stopped at that
 * limit is woken once it can read half of it in a row, or at once when the consumer ran dry: a wake
 * (futex and context switch) per chunk cost the sender a tenth of its CPU on loopback.
 */
const MAX_AHEAD = 8;
/**
 * Slots the main thread reads itself in one go before it lets the event loop run (ACKs, data coming
 * back): a read of 256 KiB from a pipe takes ~0.05–0.1 ms.
 */
const READS_PER_TURN = 4;
/** A consumer that let go with frames it never released: their slots are reused after this long. */
const RECLAIM_MS = 5000;

const FREE = 0;
const LENT = 1;
const DONE = 2;

export class StdinReader {
  private readonly worker: Worker;
  private readonly ring: SharedArrayBuffer;
  private readonly bytes: Uint8Array;
  private readonly ctl: Int32Array;
  private readonly slotSize: number;
  private readonly slots: number;
  private readonly state: Uint8Array;
  /** Slots filled by the worker / handed out / given back (plain numbers: 2^53 never wraps). */
  private produced = 0;
  private taken = 0;
  private released = 0;
  private owner: StdinConsumer | null = null;
  private readonly waiting: StdinConsumer[] = [];
  /** Slots lent to the current owner, oldest first. */
  private lent: number[] = [];
  private paused = false;
  private eof = false;
  private failure: Error | null = null;
  private stopped = false;
  /** Notifies sent to the worker (tests: fewer than the chunks read when the consumer keeps up). */
  wakes = 0;
  /** Slots the main thread read itself, holding the token (tests). */
  readsHere = 0;
  private ahead = 1;
  /** The main thread may hold the read token and read `fd` itself (a pipe or a socket, poll() at hand). */
  private readonly direct: boolean;
  private feedQueued = false;

  constructor(
    private readonly fd: number,
    chunk: number,
    private readonly headroom: number,
    /** Frames the consumer may hold at once (unacknowledged); the ring has MAX_AHEAD more to read into. */
    held = 32,
    /** Where the shared counters start (tests: just below 2^31, to cross the wrap at once). */
    private readonly base = 0,
  ) {
    this.slotSize = headroom + chunk;
    this.slots = held + MAX_AHEAD;
    const slots = this.slots;
    this.ring = new SharedArrayBuffer(slots * this.slotSize);
    this.bytes = new Uint8Array(this.ring);
    this.state = new Uint8Array(slots);
    this.ctl = new Int32Array(new SharedArrayBuffer(4 * (CTL_LENGTHS + slots)));
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.worker = new Worker(url);
    this.worker.unref?.();
    this.worker.onmessage = (e: MessageEvent) => this.onMessage(e.data);
    this.direct = pollable(fd);
    Atomics.store(this.ctl, CTL_PRODUCED, base | 0);
    this.publish();
    this.worker.postMessage({ fd, ring: this.ring, ctl: this.ctl.buffer, slots, slotSize: this.slotSize, headroom, base, handOff: this.direct });
  }

  /** Input goes to `c` now, or once every consumer before it let go. */
  acquire(c: StdinConsumer): void {
    if (this.owner === null) this.lend(c);
    else this.waiting.push(c);
  }

  /**
   * `c` is done with input. Frames it never released (its session failed) are reclaimed after
   * RECLAIM_MS, once its pipes have surely dropped them. Input passes to the next waiting consumer.
   */
  letGo(c: StdinConsumer): void {
    const i = this.waiting.indexOf(c);
    if (i >= 0) this.waiting.splice(i, 1);
    if (this.owner !== c) return;
    this.owner = null;
    this.paused = false;
    const orphans = this.lent;
    this.lent = [];
    if (orphans.length > 0) {
      const t = setTimeout(() => {
        for (const slot of orphans) this.state[slot] = DONE;
        this.advance();
        this.readSoon();
      }, RECLAIM_MS);
      t.unref?.();
    }
    const next = this.waiting.shift();
    if (next) this.lend(next);
  }

  /** Take input again after `chunk` returned false. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.feed();
  }

  /** The consumer is done with a frame it was given: its slot is read into again. */
  release(frame: Uint8Array): void {
    if (frame.buffer !== this.ring) return; // a copied short read
    const slot = frame.byteOffset / this.slotSize;
    if (this.state[slot] !== LENT) return;
    this.state[slot] = DONE;
    const i = this.lent.indexOf(slot);
    if (i >= 0) this.lent.splice(i, 1);
    this.advance();
    this.readSoon();
  }

  /**
   * A slot came free while the main thread holds the read token (a worker stopped by a full ring) and
   * the consumer waits for input: read on a later turn, outside the consumer's own call that released it.
   */
  private readSoon(): void {
    if (!this.direct || this.owner === null || this.paused || this.taken !== this.produced) return;
    if (Atomics.load(this.ctl, CTL_TOKEN) === TOKEN_MAIN) this.feedLater();
  }

  /** feed() on a later turn of the event loop (once). */
  private feedLater(): void {
    if (this.feedQueued) return;
    this.feedQueued = true;
    setImmediate(() => {
      this.feedQueued = false;
      if (!this.stopped) this.feed();
    });
  }

  /** Stop reading for good (the worker may stay blocked in read() until the process exits). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.ctl, CTL_STOP, 1);
    this.wake();
    this.worker.terminate();
  }

  private lend(c: StdinConsumer): void {
    this.owner = c;
    this.paused = false;
    if (this.failure) return c.error(this.failure);
    this.feed();
  }

  private onMessage(m: number | { eof?: boolean; err?: string; code?: string }): void {
    if (this.stopped) return;
    // Clear `posted`, then read `produced` (stdin-worker.ts): every chunk so far, one message or many.
    Atomics.store(this.ctl, CTL_POSTED, 0);
    this.syncProduced();
    if (typeof m === "number") return this.feed();
    if (m.eof) {
      this.eof = true;
      this.feed();
      return;
    }
    this.failure = Object.assign(new Error(`reading input: ${m.err}`), { code: m.code });
    this.owner?.error(this.failure);
  }

  private feed(): void {
    const c = this.owner;
    let took = false;
    let reads = 0;
    while (c !== null && this.owner === c && !this.paused) {
      if (this.taken === this.produced) {
        // Read here at most READS_PER_TURN slots, then let the event loop in (ACKs, the return path).
        if (reads === READS_PER_TURN) {
          this.feedLater();
          break;
        }
        if (!this.readHere()) break;
        reads++;
      }
      const slot = this.taken % this.slots;
      const n = this.ctl[CTL_LENGTHS + slot]!;
      const at = slot * this.slotSize;
      this.taken++;
      took = true;
      let frame: Uint8Array;
      if (n <= COPY_MAX) {
        frame = new Uint8Array(this.headroom + n);
        frame.set(this.bytes.subarray(at + this.headroom, at + this.headroom + n), this.headroom);
        this.state[slot] = DONE;
      } else {
        frame = new Uint8Array(this.ring, at, this.headroom + n);
        this.state[slot] = LENT;
        this.lent.push(slot);
      }
      if (!c.chunk(frame)) this.paused = true;
    }
    if (took) this.advance();
    if (c !== null && this.owner === c && this.eof && this.taken === this.produced) c.end();
  }

  /** Give back, in ring order, every slot that is done; tell the worker what was taken and freed. */
  private advance(): void {
    while (this.released < this.taken && this.state[this.released % this.slots] === DONE) {
      this.state[this.released % this.slots] = FREE;
      this.released++;
    }
    this.publish();
    // Only a waiting worker that holds the token needs the notify.
    if (Atomics.load(this.ctl, CTL_SLEEPING) !== 0 && Atomics.load(this.ctl, CTL_TOKEN) === TOKEN_WORKER && this.workerCanRead()) this.wake();
  }

  /**
   * Holding the read token, read the next slot here: true when one was read. False when the ring is
   * full, input ended or failed, or the fd has nothing to read now — then the token goes back to the
   * worker, which waits for input in read().
   */
  private readHere(): boolean {
    if (!this.direct || this.eof || this.failure !== null || this.stopped) return false;
    if (Atomics.load(this.ctl, CTL_TOKEN) !== TOKEN_MAIN) return false;
    // Chunks the worker read before handing the token over, whose message is still on its way.
    const before = this.produced;
    this.syncProduced();
    if (this.produced !== before) return true;
    if (this.produced - this.released >= this.slots) return false;
    if (readableNow(this.fd) !== true) return this.giveBack();
    const slot = this.produced % this.slots;
    let n: number;
    try {
      n = readSync(this.fd, this.bytes, slot * this.slotSize + this.headroom, this.slotSize - this.headroom, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "EAGAIN") return this.giveBack(); // non-blocking (one description with stdout): nothing after all
      if (code !== "EOF") {
        this.failure = Object.assign(new Error(`reading input: ${(err as Error).message}`), { code });
        this.owner?.error(this.failure);
        return false;
      }
      n = 0;
    }
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.ctl[CTL_LENGTHS + slot] = n;
    this.readsHere++;
    this.produced++;
    Atomics.store(this.ctl, CTL_PRODUCED, (this.base + this.produced) | 0);
    return true;
  }

  /** Count what the worker has stored in `produced` (modulo 2^32: the difference is what is new). */
  private syncProduced(): void {
    this.produced += (Atomics.load(this.ctl, CTL_PRODUCED) - (this.base + this.produced)) | 0;
  }

  /** Nothing to read here: the worker waits for input again (its count of slots is in `produced`). */
  private giveBack(): false {
    this.publish();
    Atomics.store(this.ctl, CTL_TOKEN, TOKEN_WORKER);
    if (Atomics.load(this.ctl, CTL_SLEEPING) !== 0) this.wake();
    return false;
  }

  /** The worker may read half its read-ahead in a row now, or anything once the consumer ran dry. */
  private workerCanRead(): boolean {
    const room = Math.min(this.ahead - (this.produced - this.taken), this.slots - (this.produced - this.released));
    return room >= Math.max(1, this.ahead >> 1) || (room > 0 && this.produced === this.taken);
  }

  /** The worker's view of the counters: modulo 2^32, compared by difference, so they never run out. */
  private publish(): void {
    const want = this.owner?.readAhead?.() ?? 0;
    this.ahead = Math.max(1, Math.min(MAX_AHEAD, this.slots, Math.ceil(want / (this.slotSize - this.headroom))));
    Atomics.store(this.ctl, CTL_AHEAD, this.ahead);
    Atomics.store(this.ctl, CTL_TAKEN, (this.base + this.taken) | 0);
    Atomics.store(this.ctl, CTL_RELEASED, (this.base + this.released) | 0);
  }

  private wake(): void {
    this.wakes++;
    Atomics.add(this.ctl, CTL_WAKE, 1);
    Atomics.notify(this.ctl, CTL_WAKE);
  }
}

/** A pipe or a socket, and poll() at hand: the main thread may read it after a poll (not a file, not a terminal). */
function pollable(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    return (st.isFIFO() || st.isSocket()) && readableNow(fd) !== null;
  } catch {
    return false;
  }
}

const shared = new Map<number, StdinReader>();

/** The process's one reader of `fd` (created with the first caller's sizes). */
export function sharedStdinReader(fd: number, chunk: number, headroom: number, held: number): StdinReader {
  let r = shared.get(fd);
  if (!r) {
    r = new StdinReader(fd, chunk, headroom, held);
    shared.set(fd, r);
  }
  return r;
}
