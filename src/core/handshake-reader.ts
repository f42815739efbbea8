/**
 * A subflow's handshake phase: bytes are held (bounded) until a reader asks for an exact count; what is
 * left when the handshake is over goes to the frame decoder. The chunk list is consumed by a head
 * index, not shift().
 */
import { HandshakeError } from "./errors.ts";

/**
 * Bytes a peer may send beyond the handshake message being read before it is authenticated. Until our
 * last handshake message is out a legitimate peer sends nothing more than the message we wait for.
 */
export const PREAUTH_SLACK = 4096;
/**
 * After our last handshake message (allowEarlyData): the peer's proof may be followed at once by the
 * data its initial window allows, plus frame headers and control frames.
 */
export const EARLY_DATA = (1 << 20) + 64 * 1024;

export class HandshakeReader {
  private chunks: Uint8Array[] = [];
  private head = 0;
  private bytes = 0;
  private ended = false;
  private want = 0;
  private waiter: ((b: Uint8Array) => void) | null = null;
  private failed: ((e: Error) => void) | null = null;
  private slack = PREAUTH_SLACK;

  /** Resolve with exactly `n` bytes, or reject (timeout, peer ended or closed, too much early data). */
  read(n: number, timeoutMs: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new HandshakeError("ETIMEDOUT", `handshake timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.want = n;
      this.waiter = (b) => {
        clearTimeout(timer);
        resolve(b);
      };
      this.failed = (e) => {
        clearTimeout(timer);
        reject(e);
      };
      this.tryRead();
    });
  }

  /** Our last handshake message is out: the peer may now follow its proof with data at once. */
  allowEarlyData(): void {
    this.slack = EARLY_DATA;
  }

  /** Bytes from the peer; an error when it sent more than an unauthenticated peer may (the caller aborts). */
  push(view: Uint8Array): HandshakeError | null {
    this.chunks.push(view);
    this.bytes += view.length;
    this.tryRead();
    // Nothing more than the awaited message (and a little) is held for an unauthenticated peer.
    if (this.bytes <= (this.waiter ? this.want : 0) + this.slack) return null;
    const e = new HandshakeError("EPREAUTH", `peer sent ${this.bytes} bytes ahead of the handshake`);
    this.take();
    this.fail(e);
    return e;
  }

  /** The peer ended its side: a message cut short can never complete. */
  end(): void {
    this.ended = true;
    this.tryRead();
  }

  /** Reject a pending read. */
  fail(err: Error): void {
    const fail = this.failed;
    this.waiter = null;
    this.failed = null;
    fail?.(err);
  }

  /** The handshake is over: the bytes read past it, in order. */
  take(): Uint8Array[] {
    const rest = this.chunks.slice(this.head);
    this.chunks = [];
    this.head = 0;
    this.bytes = 0;
    return rest;
  }

  private tryRead(): void {
    const want = this.want;
    if (!this.waiter) return;
    if (this.bytes < want) {
      if (this.ended) this.fail(new HandshakeError("ECLOSED", "the peer ended the connection during the handshake"));
      return;
    }
    const out = new Uint8Array(want);
    let fill = 0;
    while (fill < want) {
      const c = this.chunks[this.head]!;
      const take = Math.min(c.length, want - fill);
      out.set(c.subarray(0, take), fill);
      fill += take;
      if (take === c.length) this.head++;
      else this.chunks[this.head] = c.subarray(take);
    }
    this.bytes -= want;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    }
    const w = this.waiter;
    this.waiter = null;
    this.failed = null;
    w(out);
  }
}
