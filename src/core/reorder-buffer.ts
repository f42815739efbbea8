/**
 * Receive-side reassembly by connection-level byte offset. Holds out-of-order views (no copies),
 * drops duplicates, trims overlaps, and yields contiguous views in order.
 */
export class ReorderBuffer {
  /** Next contiguous offset expected. */
  next = 0;
  /** Bytes held out of order. */
  bytes = 0;
  duplicateBytes = 0;
  /** Most bytes ever held out of order (how much reordering the paths caused). */
  peakBytes = 0;
  private offs: number[] = [];
  private views: Uint8Array[] = [];

  get segments(): number {
    return this.offs.length;
  }

  /**
   * Offer a segment. Returns the in-order view it completes (possibly trimmed), or null when it was a
   * duplicate or is held for later. After a non-null return call `drain` for what it released.
   */
  offer(offset: number, view: Uint8Array): Uint8Array | null {
    const end = offset + view.length;
    if (end <= this.next) {
      this.duplicateBytes += view.length;
      return null;
    }
    if (offset <= this.next) {
      const fresh = offset < this.next ? view.subarray(this.next - offset) : view;
      this.duplicateBytes += view.length - fresh.length;
      this.next = end;
      return fresh;
    }
    this.insert(offset, view);
    return null;
  }

  /** The next held view that is now in order, or null. Call repeatedly after a successful offer. */
  drain(): Uint8Array | null {
    while (this.offs.length > 0) {
      const off = this.offs[0]!;
      if (off > this.next) return null;
      const v = this.views[0]!;
      this.offs.shift();
      this.views.shift();
      this.bytes -= v.length;
      const end = off + v.length;
      if (end <= this.next) {
        this.duplicateBytes += v.length;
        continue;
      }
      const fresh = off < this.next ? v.subarray(this.next - off) : v;
      this.duplicateBytes += v.length - fresh.length;
      this.next = end;
      return fresh;
    }
    return null;
  }

  private insert(offset: number, view: Uint8Array): void {
    const offs = this.offs;
    let lo = 0;
    let hi = offs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offs[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    if (lo < offs.length && offs[lo] === offset) {
      const old = this.views[lo]!;
      if (old.length >= view.length) {
        this.duplicateBytes += view.length;
        return;
      }
      this.duplicateBytes += old.length;
      this.bytes += view.length - old.length;
      this.views[lo] = view;
      return;
    }
    offs.splice(lo, 0, offset);
    this.views.splice(lo, 0, view);
    this.bytes += view.length;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
  }

  /** Highest offset held (end of the furthest segment), or `next` when nothing is held. */
  get highest(): number {
    let h = this.next;
    for (let i = 0; i < this.offs.length; i++) h = Math.max(h, this.offs[i]! + this.views[i]!.length);
    return h;
  }
}
