/**
 * A process-wide budget for the bytes sessions buffer (send buffers, reorder buffers, data waiting for
 * a paused application). Sessions charge what they hold; as the total nears the cap, receive windows
 * shrink (the peers send less) and send buffers stop taking more, and past `admitBelow` new sessions
 * are refused. One object is shared by every session of a process (SessionOptions.budget).
 */
import { ConfigError } from "../contract/errors.ts";

/** Smallest receive window a session is ever given, whatever the pressure (keeps the stream moving). */
export const MIN_WINDOW = 64 * 1024;

export class MemoryBudget {
  /** Bytes currently charged by every session together. */
  used = 0;
  /** Most bytes ever charged at once. */
  peak = 0;

  constructor(readonly cap: number) {
    if (!Number.isSafeInteger(cap) || cap < 4 * MIN_WINDOW) {
      throw new ConfigError("EMAXMEMORY", `memory budget must be at least ${4 * MIN_WINDOW} bytes, got ${cap}`);
    }
  }

  /** Add (or with a negative `delta`, give back) buffered bytes. */
  charge(delta: number): void {
    this.used += delta;
    if (this.used > this.peak) this.peak = this.used;
  }

  /** Whether a new session may start: below 7/8 of the cap. */
  admit(): boolean {
    return this.used < this.cap - (this.cap >>> 3);
  }

  /** Whether a sender may buffer more than its minimum: below the cap. */
  get exhausted(): boolean {
    return this.used >= this.cap;
  }

  /**
   * The receive window to advertise now: the configured one while less than half the budget is used,
   * then shrinking linearly to MIN_WINDOW at the cap.
   */
  window(configured: number): number {
    const half = this.cap / 2;
    if (this.used <= half) return configured;
    const left = Math.max(0, this.cap - this.used) / half;
    return Math.max(MIN_WINDOW, Math.min(configured, Math.floor(configured * left)));
  }
}

/** The default cap: 1 GiB (the CLI sets its own from --max-memory). */
export const DEFAULT_MAX_MEMORY = 1 << 30;
