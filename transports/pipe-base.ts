/**
 * What every Pipe adapter shares (socket-pipe.ts, ws-pipe.ts, third-party plugins): data and end that
 * arrive before `attach` are held; `closed` is reported exactly once, always from a microtask (never
 * from inside the caller's own abort()/close()); `drain` only when one was wanted; the queue of views a
 * write could not hand over yet; close() = flush, then end the write side; abort() = drop everything.
 */
import { TransportError } from "../src/contract/errors.ts";
import type { PipeHandler } from "../src/contract/transport.ts";
import { WriteQueue } from "../src/contract/write-queue.ts";

export abstract class PipeBase {
  protected handler: PipeHandler | undefined;
  /** The pipe is gone: nothing is written or delivered any more. */
  protected done = false;
  /** A write returned false: call `drain` once writing is possible again. */
  protected wantDrain = false;
  /** Views accepted by write() and not yet handed to the socket. */
  protected readonly out = new WriteQueue();
  /** close() was called: end the write side once the queue is empty. */
  protected closing = false;
  private held: Uint8Array[] | undefined = [];
  private heldEnd = false;
  private closedErr: Error | undefined;
  private closedPending = false;

  /** Whether a write would go straight out now (no queue, not blocked): drain is due on attach. */
  protected abstract canWrite(): boolean;
  /** End our write side (the queue is empty). */
  protected abstract endWrite(): void;
  /** Drop the connection at once. */
  protected abstract terminate(): void;

  close(): void {
    if (this.closing || this.done) return;
    this.closing = true;
    if (this.out.empty) this.endWrite();
  }

  abort(err?: Error): void {
    if (this.done) return;
    this.out.clear();
    this.dropHeld();
    this.finish(err ?? new TransportError("ABORTED", "pipe aborted"));
    this.terminate();
  }

  /** Copy the queued views: the caller may then reuse the memory it wrote (see Pipe.detach). */
  detach(): void {
    this.out.detach();
  }

  attach(handler: PipeHandler): void {
    if (this.handler) throw new TransportError("EATTACHED", "pipe already has a handler");
    this.handler = handler;
    const held = this.held;
    this.held = undefined;
    if (held) for (const view of held) handler.data(view);
    if (this.heldEnd) handler.end();
    if (this.closedPending) this.deliverClosed();
    else if (this.wantDrain && this.canWrite() && !this.done) {
      this.wantDrain = false;
      handler.drain();
    }
  }

  protected emitData(view: Uint8Array): void {
    if (this.handler) this.handler.data(view);
    else this.held?.push(view);
  }

  protected emitEnd(): void {
    if (this.handler) this.handler.end();
    else this.heldEnd = true;
  }

  /** Writing is possible again: tell the handler if it was waiting. */
  protected emitDrain(): void {
    if (this.wantDrain && this.handler) {
      this.wantDrain = false;
      this.handler.drain();
    }
  }

  /** Forget everything still to be delivered (abort). */
  protected dropHeld(): void {
    this.held = undefined;
    this.heldEnd = false;
  }

  /** The pipe is gone: `closed(err)` once, now or on attach. */
  protected finish(err: Error | undefined): void {
    this.done = true;
    this.closedErr = err;
    this.closedPending = true;
    if (this.handler) this.deliverClosed();
  }

  private deliverClosed(): void {
    this.closedPending = false;
    const handler = this.handler as PipeHandler;
    const err = this.closedErr;
    queueMicrotask(() => handler.closed(err));
  }
}
