/**
 * Garbage a peer makes us read for nothing, collected before it piles up (issue 7, docs/SECURITY.md).
 *
 * Bun hands every socket read a fresh buffer (≈ 512 KiB under load), and JavaScriptCore collects
 * ArrayBuffers only after ~30 MiB more were allocated, while the allocator keeps what it freed for a
 * moment: a peer streaming DATA that is all duplicates (1 MiB frames at overlapping offsets) held the
 * listener's RSS at window + 46–58 MiB while the bytes kept were ~1 MiB. Bytes that bring no progress
 * are counted here, process-wide; every `every` of them a full collection runs, so such garbage stays
 * under `every` plus one collection's lag, whatever the peer sends. Normal traffic (no duplicates) never
 * triggers it. A full collection took 5–22 ms in a listener under attack (load 4–8 on 2 cores) and costs
 * more on a bigger heap, so forced ones take at most `maxShare` of the time: a peer cannot turn
 * duplicates into a busy event loop. (`Bun.gc(true)`: an eden collection left the buffers in place, and
 * a plain full one (bun:jsc fullGC) left RSS at +41 MiB in one run of bench/hostile.ts.)
 */

export class WasteCollector {
  private wasted = 0;
  private quietUntil = -Infinity;
  /** Forced collections so far (stats, tests). */
  collections = 0;

  constructor(
    readonly every = 8 << 20,
    readonly maxShare = 0.25,
    private readonly collect: () => void = () => Bun.gc(true),
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** `bytes` were received and thrown away (duplicates). */
  add(bytes: number): void {
    this.wasted += bytes;
    if (this.wasted < this.every) return;
    const t0 = this.now();
    if (t0 < this.quietUntil) return;
    this.wasted = 0;
    this.collect();
    this.collections++;
    this.quietUntil = t0 + (this.now() - t0) / this.maxShare;
  }
}

/** The one every session of the process shares. */
export const wasteCollector = new WasteCollector();
