/**
 * Views a writer could not hand over yet (a socket that took part of a write, a WebSocket that pushed
 * back), kept without copies and consumed by a head index. Shared by the socket and WebSocket pipes and
 * the relay side, so partial writes are handled one way everywhere.
 */
export class WriteQueue {
  private views: Uint8Array[] = [];
  private head = 0;
  /** Bytes waiting. */
  bytes = 0;

  get empty(): boolean {
    return this.bytes === 0;
  }

  push(view: Uint8Array): void {
    this.views.push(view);
    this.bytes += view.length;
  }

  /**
   * Hand the views to `write`, which returns how many bytes it took (< 0: it cannot write now). Stops at
   * the first partial write, keeping the rest of that view. True once the queue is empty.
   */
  flush(write: (view: Uint8Array) => number): boolean {
    const q = this.views;
    while (this.head < q.length) {
      const v = q[this.head]!;
      const n = write(v);
      if (n < 0) return false;
      this.bytes -= n;
      if (n < v.length) {
        q[this.head] = v.subarray(n);
        return false;
      }
      this.head++;
    }
    this.reset();
    return true;
  }

  /** Hand whole views to `send` (false: it took this one but wants no more now). True once empty. */
  flushWhole(send: (view: Uint8Array) => boolean): boolean {
    const q = this.views;
    while (this.head < q.length) {
      const v = q[this.head++]!;
      this.bytes -= v.length;
      if (!send(v)) break;
    }
    if (this.head < q.length) return false;
    this.reset();
    return true;
  }

  /** Copy every queued view (the writer's caller may then reuse its memory). */
  detach(): void {
    for (let i = this.head; i < this.views.length; i++) this.views[i] = this.views[i]!.slice();
  }

  clear(): void {
    this.reset();
    this.bytes = 0;
  }

  private reset(): void {
    this.views = [];
    this.head = 0;
  }
}
