/**
 * The Pipe adapter over a Bun socket (Bun.connect / Bun.listen / upgradeTLS), shared by tcp.ts,
 * tls.ts and third-party plugins (e.g. Unix sockets).
 *
 * Facts about Bun 1.4.5 this adapter relies on (checked with throwaway scripts):
 * - `socket.write()` returns the bytes the kernel (or TLS layer) took (-1 once closed) and buffers
 *   nothing, so the pipe keeps its own queue of views and flushes it on `drain`.
 * - Every Buffer handed to the `data` handler has its own fresh ArrayBuffer and Bun never writes
 *   to it again (64 MiB test: one ArrayBuffer per callback, all bytes intact afterwards), so the
 *   views go to the engine without a copy. The same holds for TLS sockets.
 * - `socket.end()` closes the socket at once, even with `allowHalfOpen`; `socket.shutdown()` sends
 *   FIN and keeps reading (only with `allowHalfOpen: true`, otherwise Bun closes on the peer's FIN).
 * - After our shutdown(), the peer's FIN shows up as `close(socket)` without an `end` event:
 *   the adapter reports end() itself before closed().
 * - A peer's RST arrives as `close(socket, error)` with code ECONNRESET; `terminate()` calls the
 *   close handler synchronously.
 * - With a `handshake` handler present, a TLS socket's `open` fires before the handshake and Bun
 *   does not reject a bad certificate by itself: `handshake(socket, ok, err)` decides (see tls-options.ts).
 *   `tls: {}` means *no* TLS: always pass at least one TLS field.
 * - `upgradeTLS()` on a plain socket (after an HTTP CONNECT) returns [raw, tls]; the raw socket's
 *   handlers still see the encrypted bytes and its close, so its `data` must become inert.
 *
 * One handler object serves every socket: it forwards each event to `socket.data`, a SocketSink that
 * is swapped as the socket moves on (proxy handshake → TLS handshake → SocketPipe).
 */
import type { Socket, SocketHandler } from "bun";
import { type SystemErrorCode, TransportError, type TransportErrorCode } from "../src/contract/errors.ts";
import { formatAddr } from "../src/contract/address.ts";
import { PipeBase } from "./pipe-base.ts";
import type { Pipe, PipeInfo } from "../src/contract/transport.ts";

/** Whatever currently owns a socket's events. */
export interface SocketSink {
  onOpen?(socket: Socket<SocketSink>): void;
  onHandshake?(socket: Socket<SocketSink>, ok: boolean, err: Error | null): void;
  onData(view: Uint8Array): void;
  onDrain(): void;
  onEnd(): void;
  onClose(err?: Error): void;
  onError(err: Error): void;
}

export type SinkSocket = Socket<SocketSink>;

export const socketHandlers: SocketHandler<SocketSink> = {
  open(socket) {
    socket.setNoDelay(true);
    socket.data?.onOpen?.(socket);
  },
  handshake: (socket, ok, err) => socket.data?.onHandshake?.(socket, ok, err),
  data: (socket, data) => socket.data?.onData(data),
  drain: (socket) => socket.data?.onDrain(),
  end: (socket) => socket.data?.onEnd(),
  close: (socket, err) => socket.data?.onClose(err),
  // A PipeHandler threw inside one of our callbacks, or an established TLS session failed.
  error: (socket, err) => socket.data?.onError(err),
};

/** A sink that ignores everything (the raw half of an upgraded socket). */
export const inertSink: SocketSink = { onData() {}, onDrain() {}, onEnd() {}, onClose() {}, onError() {} };

/**
 * "host:port" of an address Bun reports, "?" where it reports none: a connection reset before its
 * first callback (a balancer's health check, say) has no peer address any more.
 */
export function addrOf(address: string | undefined, port: number | undefined): string {
  return address ? formatAddr(address, port ?? 0) : "?";
}

export function socketInfo(socket: SinkSocket, transport: string, details?: Record<string, string>): PipeInfo {
  const info: PipeInfo = {
    transport,
    local: addrOf(socket.localAddress, socket.localPort),
    remote: addrOf(socket.remoteAddress, socket.remotePort),
  };
  if (details && Object.keys(details).length > 0) info.details = details;
  return info;
}

export class SocketPipe extends PipeBase implements Pipe, SocketSink {
  private writeShut = false;
  private peerEnded = false;

  constructor(
    private readonly socket: SinkSocket,
    readonly info: PipeInfo,
    /** Turns a socket `error` event (e.g. a TLS alert) into the pipe's error. */
    private readonly describeError?: (err: Error) => Error,
  ) {
    super();
  }

  get queued(): number {
    return this.out.bytes;
  }

  protected canWrite(): boolean {
    return this.out.empty;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closing || this.done) return false; // ignored: the pipe is closing or gone
    if (this.out.empty) {
      const n = this.socket.write(bytes);
      if (n === bytes.length) return true;
      if (n < 0) return false; // socket already closed: its close event follows
      this.out.push(n === 0 ? bytes : bytes.subarray(n));
    } else {
      this.out.push(bytes);
    }
    this.wantDrain = true;
    return false;
  }

  /**
   * A DATA frame's header and payload as two writes (Pipe.writePair): one more 16-byte send() costs less
   * than copying the payload into one buffer (BENCHMARKS.md, "Sender.write without a copy").
   */
  writePair(head: Uint8Array, body: Uint8Array): boolean {
    this.write(head);
    return this.write(body);
  }

  protected terminate(): void {
    this.socket.terminate(); // calls onClose synchronously, ignored since done
  }

  pauseReading(): void {
    this.socket.pause();
  }

  resumeReading(): void {
    this.socket.resume();
  }

  // ---- socket events (from the shared handlers) ----

  onData(view: Uint8Array): void {
    if (!this.done) this.emitData(view);
  }

  private readonly writeSocket = (v: Uint8Array): number => this.socket.write(v);

  onDrain(): void {
    if (this.done) return;
    if (!this.out.flush(this.writeSocket)) return;
    if (this.closing) {
      if (!this.writeShut) this.endWrite();
      return;
    }
    this.emitDrain();
  }

  onEnd(): void {
    if (this.done || this.peerEnded) return;
    this.peerEnded = true;
    this.emitEnd();
  }

  onClose(err?: Error): void {
    if (this.done) return;
    if (err) {
      this.finish(toTransportError(err, "ECONNRESET", `${this.info.transport} ${this.info.remote}`));
    } else if (this.writeShut) {
      this.onEnd(); // the peer's FIN after our shutdown comes without an end event
      this.finish(undefined);
    } else {
      this.finish(new TransportError("ECONNRESET", `${this.info.transport} ${this.info.remote}: connection closed`));
    }
  }

  onError(err: Error): void {
    this.abort(this.describeError?.(err) ?? toTransportError(err, "ECONNRESET", `${this.info.transport} ${this.info.remote}`));
  }

  protected endWrite(): void {
    this.writeShut = true;
    this.socket.shutdown();
  }
}

const KNOWN_CODES = new Set<string>(["ECONNREFUSED", "ENOTFOUND", "ETIMEDOUT", "EADDRINUSE", "EADDRNOTAVAIL",
  "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EACCES", "EAI_AGAIN", "ENOENT", "EPIPE"]);

const FRIENDLY: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ENOTFOUND: "host not found",
  ETIMEDOUT: "timed out",
  EADDRINUSE: "address in use",
  EADDRNOTAVAIL: "address not available",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EACCES: "permission denied",
};

/** Any thrown value → TransportError with a known code (or `fallback`) and a message that leads with it. */
export function toTransportError(err: unknown, fallback: TransportErrorCode, context: string): TransportError {
  if (err instanceof TransportError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const c0 = typeof code === "string" && KNOWN_CODES.has(code) ? (code as SystemErrorCode) : fallback;
  const c = c0 === "EAI_AGAIN" ? "ENOTFOUND" : c0;
  // Bun's own messages can be vague ("Failed to connect"): lead with what the code means.
  const text = FRIENDLY[c];
  const msg = text && !message.toLowerCase().includes(text) ? `${text} (${message})` : message;
  return new TransportError(c, `${context}: ${msg}`, { cause: err });
}
