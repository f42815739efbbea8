/**
 * A raw TCP client for attacker tests: write any bytes, read exact counts, see when the peer closes.
 * Nothing of bondcat is used: the test speaks the wire format itself.
 */
import { connect, type Socket } from "node:net";

export class RawClient {
  private chunks: Buffer[] = [];
  private size = 0;
  private wake: (() => void) | null = null;
  /** Resolves with the time (performance.now()) the peer closed or reset the connection. */
  readonly closed: Promise<number>;
  closedAt: number | null = null;

  private constructor(readonly socket: Socket) {
    socket.on("data", (b: Buffer) => {
      this.chunks.push(b);
      this.size += b.length;
      this.wake?.();
    });
    socket.on("error", () => {});
    this.closed = new Promise((resolve) =>
      socket.on("close", () => {
        this.closedAt = performance.now();
        this.wake?.();
        resolve(this.closedAt);
      }),
    );
  }

  /**
   * Connect (half-open allowed: the peer's FIN does not close our side, as a client that keeps the
   * connection would). A connection reset right after accept resolves too, already closed.
   */
  static async open(port: number, host = "127.0.0.1"): Promise<RawClient> {
    const c = new RawClient(connect({ port, host, allowHalfOpen: true }));
    await Promise.race([new Promise((r) => c.socket.once("connect", r)), c.closed]);
    return c;
  }

  send(b: Uint8Array | string): void {
    this.socket.write(b);
  }

  /** Exactly `n` bytes, or throw when the peer closes first / after `timeoutMs`. */
  async read(n: number, timeoutMs = 5000): Promise<Uint8Array> {
    const t0 = performance.now();
    while (this.size < n) {
      if (this.closedAt !== null) throw new Error(`peer closed after ${this.size} of ${n} bytes`);
      if (performance.now() - t0 > timeoutMs) throw new Error(`no ${n} bytes after ${timeoutMs} ms (have ${this.size})`);
      await new Promise<void>((r) => {
        this.wake = r;
        setTimeout(r, 50);
      });
      this.wake = null;
    }
    const all = Buffer.concat(this.chunks);
    this.chunks = [all.subarray(n)];
    this.size -= n;
    return new Uint8Array(all.subarray(0, n));
  }

  /** Wait until the peer closes; null when it still has not after `timeoutMs`. */
  async closedWithin(timeoutMs: number): Promise<number | null> {
    return Promise.race([this.closed, Bun.sleep(timeoutMs).then(() => null)]);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
