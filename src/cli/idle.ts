/**
 * --idle-timeout: no data either way for that long → close the session. Polls the session's byte
 * counters a few times per timeout (one timer per session, nothing on the data path).
 *
 * Closing: first our direction ends (`idle()`: the local side stops its input and sends FIN); a peer
 * that finishes too makes it a normal clean close. A peer that keeps its side open (an idle terminal,
 * say) cannot be waited for, so once our FIN is acknowledged (or after `maxGraceMs`) `expired()` is
 * called, and the caller aborts the session with the TIMEOUT code. Nothing can be lost by then: no
 * byte moved for the whole timeout and everything we sent is acknowledged.
 */
import type { SessionHandle } from "../api/index.ts";

export interface IdleHooks {
  /** The timeout passed: stop local input, end our direction. */
  idle(): void;
  /** The peer did not finish in time: abort the session (nothing is in flight). */
  expired(): void;
}

export interface IdleOptions {
  timeoutMs: number;
  /** Wait at least this long for the peer's FIN after ours (default 300 ms). */
  graceMs?: number;
  /** Never wait longer than this for the peer (default 3 s). */
  maxGraceMs?: number;
  now?: () => number;
}

export class IdleWatch {
  private last: number;
  private lastAt: number;
  private firedAt = -1;
  private timer: ReturnType<typeof setInterval> | null;
  private readonly now: () => number;

  constructor(
    private readonly session: SessionHandle,
    private readonly o: IdleOptions,
    private readonly hooks: IdleHooks,
  ) {
    this.now = o.now ?? (() => performance.now());
    this.last = session.bytesMoved;
    this.lastAt = this.now();
    const period = Math.min(1000, Math.max(25, Math.floor(o.timeoutMs / 5)));
    this.timer = setInterval(() => this.check(), period);
    this.timer.unref?.();
  }

  /** True once the timeout fired (the session is being closed for idleness). */
  get fired(): boolean {
    return this.firedAt >= 0;
  }

  check(): void {
    if (this.timer === null) return; // stopped: fired and expired, or the session is over
    const s = this.session;
    if (s.state === "closed") return this.stop();
    const now = this.now();
    if (this.firedAt >= 0) {
      const waited = now - this.firedAt;
      if ((waited >= (this.o.graceMs ?? 300) && s.sendFinished) || waited >= (this.o.maxGraceMs ?? 3000)) {
        this.stop();
        this.hooks.expired();
      }
      return;
    }
    const a = s.bytesMoved;
    if (a !== this.last) {
      this.last = a;
      this.lastAt = now;
      return;
    }
    if (now - this.lastAt >= this.o.timeoutMs) {
      this.firedAt = now;
      this.hooks.idle();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
