/**
 * The one thing the engine knows about the network: a reliable, ordered byte pipe with visible
 * backpressure. Transports (see transport.ts) turn sockets, TLS streams and WebSockets into
 * pipes; the engine never sees which.
 *
 * Contract every implementation keeps (test/transport-compliance.ts checks it):
 * - `write(bytes)` always accepts all of `bytes` (queueing what the socket did not take) and returns
 *   `false` when the caller should stop writing until `drain` is called. The pipe may keep a view of
 *   `bytes` until it is written; the caller must not modify those bytes afterwards.
 * - `data(view)` hands views of received bytes in order, no copies; the view stays valid (the pipe
 *   never reuses its memory). Message boundaries (WebSocket frames, TLS records) mean nothing.
 * - Bytes that arrive before `attach` are held and delivered on `attach`.
 * - `close()` flushes queued bytes, then ends the write side (half-close where the transport has
 *   one); reading goes on until the peer ends too. `abort(err)` drops everything at once.
 * - `closed(err?)` is called exactly once, when the pipe is fully gone: `err` is undefined for a
 *   clean end (peer ended and our side closed), an Error otherwise. After it nothing else is called.
 * - `end()` is called (at most once, before `closed`) when the peer ended its write side.
 */
export interface PipeHandler {
  data(view: Uint8Array): void;
  drain(): void;
  end(): void;
  closed(err?: Error): void;
}

export interface PipeInfo {
  /** Transport name, e.g. "tcp", "tls", "ws", "wss". */
  transport: string;
  /** Printable local and remote addresses, e.g. "127.0.0.1:51234" or "[::1]:9000". */
  local: string;
  remote: string;
  /** Transport specifics for stats (TLS version, cipher, peer fingerprint, proxy used, URL …). */
  details?: Record<string, string>;
  /**
   * Listening side: when the connection was accepted (performance.now()), before any TLS handshake or
   * WebSocket upgrade, so the handshake deadline counts from there.
   */
  acceptedAt?: number;
}

export interface Pipe {
  readonly info: PipeInfo;
  attach(handler: PipeHandler): void;
  write(bytes: Uint8Array): boolean;
  /**
   * Optional: `write(head)` then `write(body)` in one call, with the same return value and holding rule,
   * for a DATA frame whose header and payload live apart. A pipe offers it when writing the two is
   * cheaper than copying them into one buffer (a socket: one more small send() costs less than copying
   * a 256 KiB payload, BENCHMARKS.md); without it the engine joins them. Either way the peer sees one
   * frame's bytes in order (byte boundaries mean nothing), and nothing else is written in between.
   */
  writePair?(head: Uint8Array, body: Uint8Array): boolean;
  /** Bytes accepted by write() but not yet handed to the OS. */
  readonly queued: number;
  /**
   * Optional: copy whatever is still queued (not yet handed to the OS) into the pipe's own memory, so
   * the caller may reuse the memory it wrote. The engine calls it before it resends a live subflow's
   * frames elsewhere (a frame is released for reuse once acknowledged, possibly via the other path). A
   * pipe without it only has frames resent elsewhere after it died, or while `queued` is 0.
   */
  detach?(): void;
  /**
   * Optional, together: stop reading (the peer meets backpressure) / read again. Data already read may
   * still be delivered after pause(). The engine pauses a subflow whose reads it cannot decode in one
   * event-loop turn (a flood of tiny frames); a pipe without them is decoded whole (read-pacer.ts).
   */
  pauseReading?(): void;
  resumeReading?(): void;
  close(): void;
  abort(err?: Error): void;
}
