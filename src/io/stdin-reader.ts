/**
 * Reads a file descriptor (stdin) on a Worker thread with blocking reads, straight into the slots of a
 * shared ring buffer that leave room for the frame header (worker: stdin-worker.ts). The main thread
 * hands a filled slot to its consumer as a view — no copy, no allocation per chunk, memory fixed at
 * `(held + MAX_AHEAD) × (headroom + chunk)` — except short reads (≤ COPY_MAX, what a person types), which are
 * copied into a frame of their own so that a byte waiting for its acknowledgement never pins a slot.
 * (Transferring ArrayBuffers through postMessage copies them in Bun: ~50 µs per 256 KiB round trip.)
 *
 * Blocking reads on the main thread would stall its timers (acks, heartbeats), hence the worker. But a
 * worker stopped at its limits hands a pipe or socket to the main thread (the read token), which reads
 * what its consumer asks for (direct-read.ts) and hands it back, with a wake, once the fd is empty.
 * A worker blocked in read(0) cannot be interrupted (terminate() leaves the thread behind): one reader
 * per fd for the process (`sharedStdinReader`), lent to one consumer at a time (`-l -k`: each session
 * in turn, and what arrives between sessions goes to the next one).
 */
import { pollable, readNow } from "./direct-read.ts";
import { StdinControl } from "./stdin-control.ts";
import { WORKER_SOURCE } from "./stdin-worker.ts";

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
 * Slots the worker reads ahead of what the consumer took (data queued in front of anything written
 * later): the consumer's readAhead() in chunks, 1 … MAX_AHEAD. Stopped there, it is woken once it can
 * read half of it, or at once when the consumer ran dry (a wake per chunk cost a tenth of the CPU).
 */
const MAX_AHEAD = 8;
/** Slots the main thread reads in one go before the event loop runs (a 256 KiB read: ~0.05–0.1 ms). */
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
  private readonly ctl: StdinControl;
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
  /** Slots the main thread read itself, holding the token (tests). */
  readsHere = 0;
  private ahead = 1;
  private feedQueued = false;

  constructor(
    private readonly fd: number,
    chunk: number,
    private readonly headroom: number,
    /** Frames the consumer may hold at once (unacknowledged); the ring has MAX_AHEAD more to read into. */
    held = 32,
    /** Where the shared counters start (tests: just below 2^31, to cross the wrap at once). */
    base = 0,
  ) {
    this.slotSize = headroom + chunk;
    this.slots = held + MAX_AHEAD;
    const slots = this.slots;
    this.ring = new SharedArrayBuffer(slots * this.slotSize);
    this.bytes = new Uint8Array(this.ring);
    this.state = new Uint8Array(slots);
    this.ctl = new StdinControl(slots, base);
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.worker = new Worker(url);
    this.worker.unref?.();
    this.worker.onmessage = (e: MessageEvent) => this.onMessage(e.data);
    this.publish();
    // A pipe or a socket: the worker may hand reading to this thread (only then does it hold the token).
    this.worker.postMessage({ fd, ring: this.ring, ctl: this.ctl.buffer, slots, slotSize: this.slotSize, headroom, base, handOff: pollable(fd) });
  }

  /** Notifies sent to the worker (tests). */
  get wakes(): number {
    return this.ctl.wakes;
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

  /** A slot freed while the main thread holds the token and the consumer waits: read on a later turn. */
  private readSoon(): void {
    if (this.owner !== null && !this.paused && this.taken === this.produced && this.ctl.mainReads) this.feedLater();
  }

  /** feed() on a later turn of the event loop (once). */
  private feedLater(): void {
    if (this.feedQueued) return;
    this.feedQueued = true;
    setImmediate(this.feedNow);
  }

  private readonly feedNow = (): void => {
    this.feedQueued = false;
    if (!this.stopped) this.feed();
  };

  /** Stop reading for good (the worker may stay blocked in read() until the process exits). */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctl.stop();
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
    this.ctl.seen();
    this.produced = this.ctl.produced(this.produced);
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
      const n = this.ctl.length(slot);
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
    if (this.ctl.workerWaits && this.workerCanRead()) this.ctl.wake();
  }

  /** Holding the read token, read a slot here: true when there is one more to take (false: none now). */
  private readHere(): boolean {
    if (this.eof || this.failure !== null || this.stopped || !this.ctl.mainReads) return false;
    // Chunks the worker read before handing the token over, whose message is still on its way.
    const known = this.produced;
    this.produced = this.ctl.produced(known);
    if (this.produced !== known) return true;
    if (this.produced - this.released >= this.slots) return false;
    const slot = this.produced % this.slots;
    let n: number | null;
    try {
      n = readNow(this.fd, this.bytes, slot * this.slotSize + this.headroom, this.slotSize - this.headroom);
    } catch (err) {
      this.failure = Object.assign(new Error(`reading input: ${(err as Error).message}`), { code: (err as NodeJS.ErrnoException).code });
      this.owner?.error(this.failure);
      return false;
    }
    if (n === null) {
      this.publish();
      this.ctl.giveBack(); // nothing to read now: the worker waits for input in read()
      return false;
    }
    if (n === 0) {
      this.eof = true;
      return false;
    }
    this.readsHere++;
    this.ctl.filled(slot, n, ++this.produced);
    return true;
  }

  /** The worker may read half its read-ahead in a row now, or anything once the consumer ran dry. */
  private workerCanRead(): boolean {
    const room = Math.min(this.ahead - (this.produced - this.taken), this.slots - (this.produced - this.released));
    return room >= Math.max(1, this.ahead >> 1) || (room > 0 && this.produced === this.taken);
  }

  /** The worker's view of the counters and of the read-ahead its consumer wants. */
  private publish(): void {
    const want = this.owner?.readAhead?.() ?? 0;
    this.ahead = Math.max(1, Math.min(MAX_AHEAD, this.slots, Math.ceil(want / (this.slotSize - this.headroom))));
    this.ctl.publish(this.ahead, this.taken, this.released);
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
