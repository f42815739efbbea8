/**
 * How many PINGs a subflow answers: PONG_BURST per PONG_PERIOD_MS at most. A peer pings once a
 * heartbeat; each PONG is a write, so a PING flood must not turn into a write flood (docs/SECURITY.md).
 */
export const PONG_BURST = 8;
export const PONG_PERIOD_MS = 10;

export class PongLimit {
  /** PINGs still answered in the PONG_PERIOD_MS that started at `since`. */
  private credit = PONG_BURST;
  private since = -Infinity;

  /** Whether one more PONG may go out at `now` (takes it). */
  take(now: number): boolean {
    if (now - this.since >= PONG_PERIOD_MS) {
      this.since = now;
      this.credit = PONG_BURST;
    }
    if (this.credit <= 0) return false;
    this.credit--;
    return true;
  }
}
