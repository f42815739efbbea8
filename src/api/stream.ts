/** A bonded session as a Node.js Duplex stream: the library face of the engine. */
import { Duplex } from "node:stream";
import { AbortCode, type SessionEvents, type SessionHandle, type SessionStats } from "./handle.ts";

export class BondedStream extends Duplex {
  private session: SessionHandle | null = null;
  private pendingWrite: ((err?: Error | null) => void) | null = null;
  private finalCb: ((err?: Error | null) => void) | null = null;

  /** Session events to hand the engine; the stream fills itself from them. */
  readonly events: SessionEvents = {
    data: (v) => this.push(v),
    end: () => void this.push(null),
    drain: () => {
      const cb = this.pendingWrite;
      this.pendingWrite = null;
      cb?.();
    },
    closed: (err) => {
      const cb = this.finalCb;
      this.finalCb = null;
      // A clean close means both FINs were exchanged: 'finish' now, 'end' when the reader drained
      // what is buffered, then 'close' (autoDestroy).
      if (err) this.destroy(err);
      else cb?.();
    },
  };

  constructor() {
    super({ allowHalfOpen: true, readableHighWaterMark: 1 << 20, writableHighWaterMark: 1 << 20 });
  }

  /** @internal */
  attach(session: SessionHandle): void {
    this.session = session;
  }

  get id(): string {
    return this.session?.idHex ?? "";
  }

  stats(): SessionStats | null {
    return this.session?.stats() ?? null;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const s = this.session;
    if (!s || s.state !== "open") return cb(new Error("bonded session is not open"));
    // The session keeps a view of what it is given until the peer acknowledges it (Sender.write), while a
    // stream's caller may reuse its buffer once the callback ran: hand it a copy.
    if (s.write(new Uint8Array(chunk))) cb();
    else this.pendingWrite = cb;
  }

  /** Ending the writable side sends FIN; the callback runs once the whole session closed cleanly. */
  override _final(cb: (err?: Error | null) => void): void {
    const s = this.session;
    if (!s) return cb();
    this.finalCb = cb;
    s.end();
  }

  override _read(): void {
    this.session?.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    const s = this.session;
    if (s && s.state !== "closed") s.abort(AbortCode.APPLICATION, err?.message ?? "stream destroyed", err ?? undefined);
    cb(err);
  }
}
