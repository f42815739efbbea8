/**
 * Receive-side reassembly by connection-level byte offset. Holds out-of-order views, drops duplicates,
 * trims overlaps on arrival, and yields contiguous views in order.
 *
 * Bounded by construction, whatever the peer sends (see docs/SECURITY.md):
 * - held segments never overlap, so held bytes ≤ the window (the receiver rejects data past it);
 * - views pin the receive buffers they come from; once those add up to more than `pinLimit`, a view
 *   that would pin a buffer over twice its size (a few bytes kept out of a big read) is copied
 *   (`unpinned`), so a peer cannot make a few held bytes hold whole reads;
 * - at most `maxSegments` segments are held: more throws ProtocolError("EREORDER") (each costs ≈
 *   ENTRY_COST bytes of bookkeeping — 1-byte segments at odd offsets must not cost 110 B each unbounded);
 * - `highest` is O(1) and an insert is O(log n) plus the segments it replaces.
 */
import { ProtocolError } from "./errors.ts";

/** Bookkeeping charged per held segment (view object, array slots), counted in `cost`. */
export const ENTRY_COST = 128;

/**
 * `view`, or a copy of it when keeping it would pin a receive buffer over twice its size while the
 * buffers already pinned (`pinned`) reach `limit`. Below the limit nothing is copied: in normal traffic a
 * held fragment shares its read with a few others, and copying them would cost throughput.
 */
export function unpinned(view: Uint8Array, pinned: number, limit: number): Uint8Array {
  const size = view.buffer.byteLength;
  return pinned + size > limit && size > 2 * view.length + 64 ? view.slice() : view;
}

export class ReorderBuffer {
  /** Next contiguous offset expected. */
  next = 0;
  /** Bytes held out of order (never overlapping). */
  bytes = 0;
  duplicateBytes = 0;
  /** Most bytes ever held out of order (how much reordering the paths caused). */
  peakBytes = 0;
  /** Held segments live in [head, offs.length): sorted by offset, non-overlapping. */
  private offs: number[] = [];
  private views: Uint8Array[] = [];
  private head = 0;
  /** Bytes of the receive buffers the held views keep alive (a buffer shared by several counts for each). */
  pinned = 0;

  constructor(
    readonly maxSegments = Number.MAX_SAFE_INTEGER,
    readonly pinLimit = Number.MAX_SAFE_INTEGER,
  ) {}

  get segments(): number {
    return this.offs.length - this.head;
  }

  /** Memory held, bookkeeping included (what the memory budget is charged). */
  get cost(): number {
    return this.bytes + this.segments * ENTRY_COST;
  }

  /**
   * Offer a segment. Returns the in-order view it completes (possibly trimmed), or null when it was a
   * duplicate or is held for later. After a non-null return call `drain` for what it released.
   * Throws ProtocolError when holding it would exceed `maxSegments`.
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
    while (this.head < this.offs.length) {
      const off = this.offs[this.head]!;
      if (off > this.next) return null;
      const v = this.views[this.head]!;
      this.pop();
      this.bytes -= v.length;
      this.pinned -= v.buffer.byteLength;
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

  /** Highest offset held (end of the furthest segment), or `next` when nothing is held. O(1). */
  get highest(): number {
    const n = this.offs.length;
    if (n === this.head) return this.next;
    return Math.max(this.next, this.offs[n - 1]! + this.views[n - 1]!.length);
  }

  /** Drop the first held segment (head index; the arrays are compacted once half of them is dead). */
  private pop(): void {
    this.head++;
    if (this.head === this.offs.length) {
      this.offs.length = 0;
      this.views.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.offs.length) {
      this.offs.splice(0, this.head);
      this.views.splice(0, this.head);
      this.head = 0;
    }
  }

  /** Hold [offset, offset + view.length), trimmed to what no held segment covers yet. */
  private insert(offset: number, view: Uint8Array): void {
    const offs = this.offs;
    const views = this.views;
    // First held segment that ends after `offset` (ends are sorted too: segments do not overlap).
    let lo = this.head;
    let hi = offs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (offs[mid]! + views[mid]!.length <= offset) lo = mid + 1;
      else hi = mid;
    }
    let end = offset + view.length;
    // A segment starting before us (or where we start, unless we are longer) that reaches into us:
    // keep it, trim our front.
    if (lo < offs.length && offs[lo]! <= offset && (offs[lo]! < offset || offs[lo]! + views[lo]!.length >= end)) {
      const prevEnd = offs[lo]! + views[lo]!.length;
      if (prevEnd >= end) {
        this.duplicateBytes += view.length;
        return;
      }
      this.duplicateBytes += prevEnd - offset;
      view = view.subarray(prevEnd - offset);
      offset = prevEnd;
      lo++;
    }
    // Segments we cover entirely are replaced; one we reach into trims our end.
    let k = lo;
    let covered = 0;
    let unpin = 0;
    for (; k < offs.length && offs[k]! + views[k]!.length <= end; k++) {
      covered += views[k]!.length;
      unpin += views[k]!.buffer.byteLength;
    }
    if (k < offs.length && offs[k]! < end) {
      this.duplicateBytes += end - offs[k]!;
      end = offs[k]!;
      view = view.subarray(0, end - offset);
    }
    this.duplicateBytes += covered;
    const removed = k - lo;
    if (removed === 0 && this.segments >= this.maxSegments) {
      throw new ProtocolError("EREORDER", `peer left more than ${this.maxSegments} out-of-order segments in the window`);
    }
    view = unpinned(view, this.pinned - unpin, this.pinLimit);
    this.pinned += view.buffer.byteLength - unpin;
    if (removed === 1) {
      offs[lo] = offset;
      views[lo] = view;
    } else {
      offs.splice(lo, removed, offset);
      views.splice(lo, removed, view);
    }
    this.bytes += view.length - covered;
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes;
  }
}
