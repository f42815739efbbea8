/**
 * At most FRAMES_PER_TURN frames of one subflow per event-loop turn (issue 7: no peer may block the
 * loop). A socket read can hold 512 KiB: 32 768 PINGs or one-byte DATA frames, 40–60 ms of work in a
 * fresh process whose code is not optimised yet (BENCHMARKS.md, "Hostile peers"). Past the budget the
 * pipe is paused (the peer meets TCP backpressure), the rest of the read waits for the next turn
 * (setImmediate: timers and other sockets go first), and the pipe resumes once it is through. The
 * peer's end or close waits behind those bytes too. Pipes without pauseReading() are decoded whole, as before.
 * Bulk DATA comes in big frames, a few per read: only floods of tiny frames ever meet the budget.
 */
import type { FrameDecoder } from "./decoder.ts";
import type { Pipe } from "../contract/pipe.ts";

export const FRAMES_PER_TURN = 4096;

export class ReadPacer {
  /** Bytes read but not decoded yet, in order. */
  private backlog: Uint8Array[] = [];
  /** The peer's end / close, held until the backlog is through. */
  private held: (() => void)[] = [];
  private scheduled = false;
  private readonly paced: boolean;

  constructor(
    private readonly decoder: FrameDecoder,
    private readonly pipe: Pipe,
    /** What `decode` throws (the subflow decides: bad framing closes it). */
    private readonly failed: (err: unknown) => void,
  ) {
    this.paced = typeof pipe.pauseReading === "function" && typeof pipe.resumeReading === "function";
  }

  push(view: Uint8Array): void {
    if (this.backlog.length > 0) {
      this.backlog.push(view); // read before the pause took effect
      return;
    }
    if (!this.paced) {
      this.decode(view);
      return;
    }
    this.decoder.budget = FRAMES_PER_TURN;
    const used = this.decode(view);
    if (used < view.length && this.decoder.budget <= 0) {
      this.backlog.push(view.subarray(used));
      this.pipe.pauseReading!();
      this.schedule();
    }
  }

  /** Run `fn` now, or once the backlog is decoded when there is one (the peer's end and close). */
  after(fn: () => void): boolean {
    if (this.backlog.length === 0) return false;
    this.held.push(fn);
    return true;
  }

  /** The subflow is gone: forget what is left. */
  drop(): void {
    this.backlog = [];
    this.held = [];
  }

  /** Decode, returning the bytes consumed (all of them after an error: the subflow is being closed). */
  private decode(view: Uint8Array): number {
    try {
      return this.decoder.push(view);
    } catch (err) {
      this.drop();
      this.failed(err);
      return view.length;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.turn);
  }

  private readonly turn = (): void => {
    this.scheduled = false;
    this.decoder.budget = FRAMES_PER_TURN;
    while (this.backlog.length > 0) {
      const head = this.backlog[0]!;
      const used = this.decode(head);
      if (this.backlog.length === 0) return; // dropped (an error, or the subflow closed meanwhile)
      if (used < head.length) {
        this.backlog[0] = head.subarray(used);
        return this.schedule();
      }
      this.backlog.shift();
    }
    this.pipe.resumeReading!();
    const held = this.held;
    this.held = [];
    for (const fn of held) fn();
  };
}
