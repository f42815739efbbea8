/**
 * Resending v0 frames the peer dropped. A v0 receiver may drop a data frame without acknowledging it
 * (the Go receiver, when its ring has no room: ../shared/bondcat-v0-wire.md) and counts on the sender
 * to send it again, as the Go sender does after 2×RTT. The engine resends only what a subflow in doubt
 * or gone carried — a path that delivers nothing while the others deliver — so a frame dropped on a
 * healthy subflow would stay unacknowledged for ever, and with it the session's end (seen against the
 * Go listener: `-b --duration 3s` hung after ~4400 frames with 12 frames unacknowledged, every socket
 * empty). Here a frame goes out again, on the subflow it was last sent on:
 *  - at once when a frame sent after it on that subflow was acknowledged (the peer acks every frame
 *    in the order it read them from one subflow: the earlier one was dropped);
 *  - when no acknowledgement at all came for the resend timeout (the last frames sent, with nothing
 *    behind them to show the loss), at most TAIL_BURST frames, each backing off.
 * The engine's own reinjection still moves frames off a subflow in doubt; it calls sent() again with
 * the new subflow, which is where a later resend goes.
 */

/** A subflow's adapter, as far as resending goes. */
export interface ResendPort {
  readonly usable: boolean;
  /** Write frame `seq` again; false when it did not (its pipe is gone, or its queue is long). */
  resend(seq: number, body: Uint8Array): boolean;
}

interface SentFrame {
  body: Uint8Array;
  port: ResendPort;
  /** When it was last written; how many times it was sent again by this timer. */
  at: number;
  tries: number;
}

/** The timeout is this many smoothed ack delays, within these bounds (the Go sender: 2×RTT, ≤ 512 ms). */
const RTO_FACTOR = 4;
export const RTO_MIN_MS = 200;
const RTO_MAX_MS = 2000;
/** Frames sent again at once by the timeout rule. */
const TAIL_BURST = 4;
const CHECK_MS = 50;

export class V0Resender {
  private readonly frames = new Map<number, SentFrame>();
  /** Per subflow: the latest write time of a frame acknowledged on it. */
  private readonly ackedUpTo = new Map<ResendPort, number>();
  private lastAckAt: number;
  private srtt = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Frames sent again (stats, tests). */
  resent = 0;

  constructor(
    /** Whether the connection still has a subflow (the timer stops when it has none). */
    private readonly alive: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.lastAckAt = now();
  }

  /** Frame `seq` (payload `body`, a view the engine keeps until it is acknowledged) was written on `port`. */
  sent(seq: number, body: Uint8Array, port: ResendPort): void {
    const f = this.frames.get(seq);
    if (f) {
      f.port = port;
      f.at = this.now();
    } else {
      this.frames.set(seq, { body, port, at: this.now(), tries: 0 });
    }
    if (this.timer === null) {
      this.timer = setInterval(this.check, CHECK_MS);
      this.timer.unref?.();
    }
  }

  /** Frame `seq` was acknowledged on `port`. */
  acked(seq: number, port: ResendPort): void {
    const now = this.now();
    this.lastAckAt = now;
    const f = this.frames.get(seq);
    if (!f) return;
    this.frames.delete(seq);
    if (f.port === port && f.at > (this.ackedUpTo.get(port) ?? -Infinity)) this.ackedUpTo.set(port, f.at);
    if (f.tries === 0) this.srtt = this.srtt === 0 ? now - f.at : this.srtt + (now - f.at - this.srtt) / 8;
    if (this.frames.size === 0) this.stop();
  }

  /** Frames written and not yet acknowledged (tests). */
  get pending(): number {
    return this.frames.size;
  }

  get rtoMs(): number {
    return Math.min(RTO_MAX_MS, Math.max(RTO_MIN_MS, RTO_FACTOR * this.srtt));
  }

  /** Stop for good (the connection is over), or until the next frame is sent. */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (!this.alive()) {
      this.frames.clear();
      this.ackedUpTo.clear();
    }
  }

  /** The timer's look at the frames (tests call it with their own clock). */
  readonly check = (): void => {
    if (!this.alive()) return this.stop();
    for (const p of this.ackedUpTo.keys()) if (!p.usable) this.ackedUpTo.delete(p); // re-dials add ports
    const now = this.now();
    const rto = this.rtoMs;
    const quiet = now - this.lastAckAt >= rto;
    let tail = 0;
    for (const [seq, f] of this.frames) {
      if (!f.port.usable) continue; // the engine moves what a closed subflow carried
      const overtaken = f.at < (this.ackedUpTo.get(f.port) ?? -Infinity);
      const timedOut = quiet && tail < TAIL_BURST && now - f.at >= rto * 2 ** Math.min(f.tries, 4);
      if (!overtaken && !timedOut) continue;
      if (!f.port.resend(seq, f.body)) continue;
      if (!overtaken) tail++;
      f.tries++;
      f.at = now;
      this.resent++;
    }
  };
}
