/**
 * The session's one timer, armed only as fast as something pending needs. Busy (data unacknowledged, an
 * ack owed, a FIN or a drain pending): a tick every TICK_MS, heartbeats every heartbeatMs — a silent or
 * stalled path under traffic is found as fast as ever. Idle: one tick per IDLE_FACTOR heartbeats, which
 * also spaces out pings and keep-alive acks, and the silent rule allows that much more quiet. The slow
 * cadence starts after a heartbeat without work (a receiver between bursts does not flap). Anything
 * that makes the session busy (a write, end(), received data) calls wake(). One interval object per
 * cadence change, none per tick.
 */
export const TICK_MS = 10;
/** Idle heartbeats are this many times slower (1 s → 5 s by default). */
export const IDLE_FACTOR = 5;

export interface TimerHost {
  /** Something is pending that needs the fast cadence. */
  busy(): boolean;
  /** `heartbeatMs` is the ping/keep-alive period for this tick; `deadAfterMs` the silence allowed. */
  tick(now: number, heartbeatMs: number, deadAfterMs: number): void;
}

export class SessionTimer {
  private timer: ReturnType<typeof setInterval> | null = null;
  private period = 0;
  /** When the session last went from idle to busy: silence counted before it was idle silence. */
  private wokeAt = Number.NEGATIVE_INFINITY;
  /** Last tick that found work: the cadence drops only after a heartbeat without any (no flapping). */
  private busyAt: number;
  private readonly idleMs: number;

  constructor(
    private readonly host: TimerHost,
    private readonly heartbeatMs: number,
    private readonly deadAfterMs: number,
    private readonly now: () => number,
  ) {
    this.idleMs = heartbeatMs * IDLE_FACTOR;
    this.busyAt = now();
    this.arm(TICK_MS);
  }

  /** Something became pending: back to the fast cadence at once. */
  wake(): void {
    if (this.period === TICK_MS || this.timer === null) return;
    this.wokeAt = this.busyAt = this.now();
    this.arm(TICK_MS);
  }

  get idle(): boolean {
    return this.period !== TICK_MS;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  private readonly fire = (): void => {
    const now = this.now();
    const idle = this.period !== TICK_MS;
    // Idle, or just woken (the last heartbeat may be an idle one ago): the silent rule allows for it.
    const quiet = idle || now - this.wokeAt < this.deadAfterMs;
    this.host.tick(now, idle ? this.idleMs : this.heartbeatMs, quiet ? this.deadAfterMs + this.idleMs : this.deadAfterMs);
    if (this.timer === null) return;
    if (this.host.busy()) this.busyAt = now;
    const want = now - this.busyAt < this.heartbeatMs ? TICK_MS : this.idleMs;
    if (want !== this.period) this.arm(want);
  };

  private arm(ms: number): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.period = ms;
    this.timer = setInterval(this.fire, ms);
  }
}
