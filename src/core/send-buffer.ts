/**
 * Sender-side store of every byte not yet acknowledged, as whole DATA frames (header included), so a
 * frame can be written again, unchanged, on any subflow. Bounded by the caller (backpressure).
 */
export interface Segment<S> {
  readonly offset: number;
  readonly end: number;
  /** The full DATA frame: 16-byte header + payload; or the header alone, when `body` holds the payload. */
  readonly frame: Uint8Array;
  /** The payload, kept apart from its header (Sender.write: the caller's bytes, not copied). */
  readonly body?: Uint8Array;
  /** Subflow it is in flight on (null: not sent, or its subflow died). */
  sentOn: S | null;
  sends: number;
  /** Queued for reinjection. */
  queued: boolean;
  /** The frame came from the application (writeFrame) and is handed back on release. */
  readonly owned: boolean;
  /** A private copy of an owned frame, sent instead of it on every resend (see Sender.transmit). */
  copy?: Uint8Array;
  /** Queued (not yet resent) because this subflow, which still carries it, went into doubt. */
  doubtOn?: S | null;
}

export class SendBuffer<S> {
  /** Lowest unacknowledged offset. */
  una = 0;
  /** Offset the next pushed frame gets. */
  nxt = 0;
  private segs: Segment<S>[] = [];
  private head = 0;
  private unsent = 0;
  /** Frames to resend, in offset order, consumed from `rqHead`. */
  private reinjectQ: Segment<S>[] = [];
  private rqHead = 0;
  /** Queued frames that came from a dead subflow (sent first and past the quota). */
  private urgent = 0;

  /** Unacknowledged bytes held (sent or not). */
  get bytes(): number {
    return this.nxt - this.una;
  }

  get reinjectPending(): number {
    return this.reinjectQ.length - this.rqHead;
  }

  /** A frame from a subflow that died (not one merely in doubt) waits to be resent. */
  get urgentPending(): boolean {
    return this.urgent > 0;
  }

  push(frame: Uint8Array, payloadLength: number, owned = false, body?: Uint8Array): Segment<S> {
    const seg: Segment<S> = {
      offset: this.nxt,
      end: this.nxt + payloadLength,
      frame,
      body,
      sentOn: null,
      sends: 0,
      queued: false,
      owned,
    };
    this.nxt = seg.end;
    this.segs.push(seg);
    return seg;
  }

  /** Next frame to put on the wire: reinjections first, then new data below `windowLimit`. */
  next(windowLimit: number): Segment<S> | null {
    while (this.rqHead < this.reinjectQ.length) {
      const seg = this.reinjectQ[this.rqHead++]!;
      seg.queued = false;
      if (seg.doubtOn) seg.doubtOn = null;
      else this.urgent--;
      if (this.rqHead === this.reinjectQ.length) {
        this.reinjectQ = [];
        this.rqHead = 0;
      }
      if (seg.end > this.una) return seg;
    }
    if (this.unsent < this.segs.length) {
      const seg = this.segs[this.unsent]!;
      if (seg.end > windowLimit) return null;
      this.unsent++;
      return seg;
    }
    return null;
  }

  /** True when a frame is waiting (ignoring the window for new data). */
  get hasPending(): boolean {
    return this.rqHead < this.reinjectQ.length || this.unsent < this.segs.length;
  }

  /** Offset of the first never-sent byte. */
  get sentHigh(): number {
    return this.unsent < this.segs.length ? this.segs[this.unsent]!.offset : this.nxt;
  }

  /**
   * Cumulative ack up to `ack`: drops fully acknowledged frames, calling `acked` for each.
   * Returns the number of newly acknowledged bytes.
   */
  ack(ack: number, acked: (seg: Segment<S>) => void): number {
    if (ack <= this.una) return 0;
    const before = this.una;
    while (this.head < this.segs.length) {
      const seg = this.segs[this.head]!;
      if (seg.end > ack) break;
      acked(seg);
      this.segs[this.head] = undefined as unknown as Segment<S>;
      this.head++;
    }
    if (this.unsent < this.head) this.unsent = this.head;
    this.una = Math.min(ack, this.nxt);
    if (this.head > 1024 && this.head * 2 > this.segs.length) {
      this.segs = this.segs.slice(this.head);
      this.unsent -= this.head;
      this.head = 0;
    }
    return this.una - before;
  }

  /**
   * Queue for resending every unacked frame that was in flight on `sub`: `urgent` when it died, not
   * when it is only in doubt (those wait for the quota like new data, so what the doubtful path still
   * delivers meanwhile is skipped, not sent twice). Returns bytes queued.
   */
  reinjectFrom(sub: S, urgent = true): number {
    const found: Segment<S>[] = [];
    let bytes = 0;
    for (let i = this.head; i < this.unsent; i++) {
      const seg = this.segs[i]!;
      if (seg.sentOn === sub) {
        seg.sentOn = null;
        if (seg.queued || seg.end <= this.una) continue;
        seg.queued = true;
        if (!urgent) seg.doubtOn = sub;
        else this.urgent++;
        found.push(seg);
        bytes += seg.end - seg.offset;
      }
    }
    if (found.length > 0) this.merge(found);
    return bytes;
  }

  /**
   * `sub` left doubt (the peer reported progress on it): the frames its doubt queued and that were not
   * resent yet are in flight on it again, not resent. Returns the bytes taken back.
   */
  recall(sub: S): number {
    let bytes = 0;
    const keep: Segment<S>[] = [];
    for (let i = this.rqHead; i < this.reinjectQ.length; i++) {
      const seg = this.reinjectQ[i]!;
      if (seg.doubtOn !== sub) {
        keep.push(seg);
        continue;
      }
      seg.queued = false;
      seg.doubtOn = null;
      seg.sentOn = sub;
      bytes += seg.end - seg.offset;
    }
    if (bytes > 0) {
      this.reinjectQ = keep;
      this.rqHead = 0;
    }
    return bytes;
  }

  /** Merge frames (in offset order) into the queue, keeping it in offset order: O(n + m). */
  private merge(add: Segment<S>[]): void {
    const q = this.reinjectQ;
    const out: Segment<S>[] = [];
    let i = this.rqHead;
    let j = 0;
    while (i < q.length || j < add.length) {
      if (j >= add.length || (i < q.length && q[i]!.offset <= add[j]!.offset)) out.push(q[i++]!);
      else out.push(add[j++]!);
    }
    this.reinjectQ = out;
    this.rqHead = 0;
  }

  /** The frame holding byte `offset` (or the first after it), if still held; for per-subflow cursors. */
  segmentAt(offset: number): Segment<S> | null {
    const segs = this.segs;
    let lo = this.head;
    let hi = segs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (segs[mid]!.end <= offset) lo = mid + 1;
      else hi = mid;
    }
    return lo < segs.length ? segs[lo]! : null;
  }
}
