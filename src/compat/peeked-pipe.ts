/**
 * A pipe whose first bytes can be looked at before anyone else sees them: it reads from the raw pipe,
 * holds what arrives until `attach`, then hands the held bytes (minus what `consume` took) to the new
 * handler and forwards everything after. The listener uses it to tell a v0 dialer from a v1 one by the
 * first byte; the v0 handshakes use it to read their 17 lead bytes.
 */
import { HandshakeError } from "../core/errors.ts";
import type { Pipe, PipeHandler, PipeInfo } from "../contract/pipe.ts";

export class PeekedPipe implements Pipe, PipeHandler {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private ended = false;
  private gone: { err?: Error } | null = null;
  private handler: PipeHandler | null = null;
  private waiter: (() => void) | null = null;

  /** The raw pipe's optional methods, passed through when it has them (a v1 subflow behind the peek keeps them). */
  readonly detach?: () => void;
  readonly writePair?: (head: Uint8Array, body: Uint8Array) => boolean;
  readonly pauseReading?: () => void;
  readonly resumeReading?: () => void;

  constructor(readonly raw: Pipe) {
    raw.attach(this);
    if (raw.detach) this.detach = () => raw.detach!();
    if (raw.writePair) this.writePair = (head, body) => raw.writePair!(head, body);
    if (raw.pauseReading && raw.resumeReading) {
      this.pauseReading = () => raw.pauseReading!();
      this.resumeReading = () => raw.resumeReading!();
    }
  }

  get info(): PipeInfo {
    return this.raw.info;
  }
  get queued(): number {
    return this.raw.queued;
  }

  /** The first `n` bytes (a copy), once they are in; they stay held. */
  async peek(n: number, timeoutMs: number): Promise<Uint8Array> {
    if (this.heldBytes < n) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.waiter = null;
          reject(new HandshakeError("ETIMEDOUT", `handshake timed out after ${timeoutMs} ms`));
        }, timeoutMs);
        this.waiter = () => {
          if (this.heldBytes < n && !this.ended && !this.gone) return;
          clearTimeout(timer);
          this.waiter = null;
          if (this.heldBytes >= n) resolve();
          else reject(this.gone?.err ?? new HandshakeError("ECLOSED", "connection closed during the handshake"));
        };
        this.waiter();
      });
    }
    const out = new Uint8Array(n);
    let fill = 0;
    for (const c of this.held) {
      if (fill === n) break;
      const take = Math.min(c.length, n - fill);
      out.set(c.subarray(0, take), fill);
      fill += take;
    }
    return out;
  }

  /** Drop the first `n` held bytes (the lead bytes a handshake read). */
  consume(n: number): void {
    let left = n;
    while (left > 0) {
      const c = this.held[0]!;
      if (c.length <= left) {
        this.held.shift();
        left -= c.length;
      } else {
        this.held[0] = c.subarray(left);
        left = 0;
      }
    }
    this.heldBytes -= n;
  }

  attach(handler: PipeHandler): void {
    this.handler = handler;
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const v of held) handler.data(v);
    if (this.ended) handler.end();
    if (this.gone) handler.closed(this.gone.err);
  }

  write(bytes: Uint8Array): boolean {
    return this.raw.write(bytes);
  }
  close(): void {
    this.raw.close();
  }
  abort(err?: Error): void {
    this.raw.abort(err);
  }

  // ---- PipeHandler (the raw pipe)
  data(view: Uint8Array): void {
    if (this.handler) return this.handler.data(view);
    this.held.push(view);
    this.heldBytes += view.length;
    this.waiter?.();
  }
  drain(): void {
    this.handler?.drain();
  }
  end(): void {
    if (this.handler) return this.handler.end();
    this.ended = true;
    this.waiter?.();
  }
  closed(err?: Error): void {
    if (this.handler) return this.handler.closed(err);
    this.gone = err ? { err } : {};
    this.waiter?.();
  }
}
