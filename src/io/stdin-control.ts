/**
 * The main thread's side of the stdin worker's control block (layout and protocol: stdin-worker.ts).
 * Counts are plain numbers here and stored modulo 2^32, offset by `base`, compared by difference, so
 * they never run out.
 */
import { CTL_AHEAD, CTL_LENGTHS, CTL_POSTED, CTL_PRODUCED, CTL_RELEASED, CTL_SLEEPING, CTL_STOP, CTL_TAKEN, CTL_TOKEN, CTL_WAKE, TOKEN_MAIN, TOKEN_WORKER } from "./stdin-worker.ts";

export class StdinControl {
  private readonly c: Int32Array;
  /** Notifies sent to the worker (tests: fewer than the chunks read when the consumer keeps up). */
  wakes = 0;

  constructor(
    slots: number,
    private readonly base: number,
  ) {
    this.c = new Int32Array(new SharedArrayBuffer(4 * (CTL_LENGTHS + slots)));
    Atomics.store(this.c, CTL_PRODUCED, base | 0);
  }

  get buffer(): ArrayBufferLike {
    return this.c.buffer;
  }

  /** Slots filled so far, from the `known` count (the worker may have filled more since). */
  produced(known: number): number {
    return known + ((Atomics.load(this.c, CTL_PRODUCED) - (this.base + known)) | 0);
  }

  /** A message of the worker's is handled: clear `posted`, before reading `produced`. */
  seen(): void {
    Atomics.store(this.c, CTL_POSTED, 0);
  }

  length(slot: number): number {
    return this.c[CTL_LENGTHS + slot]!;
  }

  /** The main thread, holding the token, read `n` bytes into `slot`: `produced` slots in all. */
  filled(slot: number, n: number, produced: number): void {
    this.c[CTL_LENGTHS + slot] = n;
    Atomics.store(this.c, CTL_PRODUCED, (this.base + produced) | 0);
  }

  /** What the worker may read: `ahead` slots past `taken`, and only slots freed up to `released`. */
  publish(ahead: number, taken: number, released: number): void {
    Atomics.store(this.c, CTL_AHEAD, ahead);
    Atomics.store(this.c, CTL_TAKEN, (this.base + taken) | 0);
    Atomics.store(this.c, CTL_RELEASED, (this.base + released) | 0);
  }

  /** The main thread holds the read token. */
  get mainReads(): boolean {
    return Atomics.load(this.c, CTL_TOKEN) === TOKEN_MAIN;
  }

  /** The worker holds the token and waits for room (only then does a notify help). */
  get workerWaits(): boolean {
    return Atomics.load(this.c, CTL_SLEEPING) !== 0 && Atomics.load(this.c, CTL_TOKEN) === TOKEN_WORKER;
  }

  /** The token back to the worker (after publish()), woken if it sleeps. */
  giveBack(): void {
    Atomics.store(this.c, CTL_TOKEN, TOKEN_WORKER);
    if (Atomics.load(this.c, CTL_SLEEPING) !== 0) this.wake();
  }

  stop(): void {
    Atomics.store(this.c, CTL_STOP, 1);
    this.wake();
  }

  wake(): void {
    this.wakes++;
    Atomics.add(this.c, CTL_WAKE, 1);
    Atomics.notify(this.c, CTL_WAKE);
  }
}
