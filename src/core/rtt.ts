/** RTT estimator after RFC 6298 (smoothed RTT and variance), in milliseconds. */
export class RttEstimator {
  srtt = 0;
  rttvar = 0;
  min = Infinity;
  latest = 0;
  samples = 0;
  /** PINGs sent for these samples (session-health.ts pings a new subflow a few times: a clean minimum). */
  pings = 0;

  sample(ms: number): void {
    if (!(ms >= 0)) return;
    this.latest = ms;
    if (ms < this.min) this.min = ms;
    if (this.samples === 0) {
      this.srtt = ms;
      this.rttvar = ms / 2;
    } else {
      this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - ms);
      this.srtt = 0.875 * this.srtt + 0.125 * ms;
    }
    this.samples++;
  }

  /** Retransmission-style timeout: srtt + 4·rttvar, clamped to [floor, ceil]. */
  timeout(floor: number, ceil: number): number {
    if (this.samples === 0) return ceil;
    return Math.min(ceil, Math.max(floor, this.srtt + 4 * this.rttvar));
  }
}
