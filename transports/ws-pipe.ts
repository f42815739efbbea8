/**
 * The Pipe adapter over a WebSocket (client or server side), on top of a small send/close surface.
 *
 * Framing: binary messages only, no compression; a write larger than MAX_MESSAGE goes out as several
 * messages (message boundaries mean nothing to the engine). Half-close, which WebSockets lack, is
 * in-band: an EMPTY binary message means "no more data from me" (a data write is never empty). Once
 * both sides sent theirs, either closes the WebSocket with 1000; any other ending is an error.
 *
 * Backpressure: `sendMessage` reports whether the socket layer wants us to stop; then further writes
 * wait in `queue` (views, no copies) until `onSocketDrain`.
 */
import { TransportError } from "../src/contract/errors.ts";
import { PipeBase } from "./pipe-base.ts";
import type { Pipe, PipeInfo } from "../src/contract/transport.ts";

/** Largest WebSocket message we send; bigger writes are split. */
export const MAX_MESSAGE = 1 << 20;
/**
 * Largest WebSocket message we accept (twice what we send, for other implementations): the WebSocket
 * layer buffers a whole message before we see it, so this bounds what an unauthenticated peer can make
 * us hold per connection (docs/SECURITY.md).
 */
export const MAX_INCOMING_MESSAGE = 2 * MAX_MESSAGE;
const EMPTY = new Uint8Array(0);

export abstract class WsPipe extends PipeBase implements Pipe {
  private blocked = false;
  private writeShut = false;
  private peerEnded = false;

  constructor(readonly info: PipeInfo) {
    super();
  }

  /** Send one binary message; false = stop sending until onSocketDrain() (the message itself was taken). */
  protected abstract sendMessage(bytes: Uint8Array): boolean;
  /** Bytes the WebSocket layer holds that the OS has not taken yet. */
  protected abstract bufferedAmount(): number;
  /** Close handshake with code 1000. */
  protected abstract closeSocket(): void;
  /** Drop the connection at once. */
  protected abstract terminateSocket(): void;

  get queued(): number {
    return this.out.bytes + this.bufferedAmount();
  }

  protected canWrite(): boolean {
    return !this.blocked;
  }

  write(bytes: Uint8Array): boolean {
    if (this.closing || this.done) return false;
    for (let off = 0; off < bytes.length; off += MAX_MESSAGE) {
      const piece = bytes.length <= MAX_MESSAGE ? bytes : bytes.subarray(off, off + MAX_MESSAGE);
      if (this.blocked) {
        this.out.push(piece);
      } else if (!this.sendMessage(piece)) {
        this.blocked = true;
      }
    }
    if (!this.blocked) return true;
    this.wantDrain = true;
    return false;
  }

  /** A DATA frame's header and payload as two messages (Pipe.writePair): the payload is not copied to join them. */
  writePair(head: Uint8Array, body: Uint8Array): boolean {
    this.write(head);
    return this.write(body);
  }

  protected terminate(): void {
    this.terminateSocket();
  }

  // ---- socket events ----

  protected onMessage(view: Uint8Array): void {
    if (this.done) return;
    if (view.length === 0) return this.onPeerEnd();
    if (this.peerEnded) return this.abort(new TransportError("EPROTO", `${this.info.transport} ${this.info.remote}: data after end of stream`));
    this.emitData(view);
  }

  protected onText(): void {
    this.abort(new TransportError("EPROTO", `${this.info.transport} ${this.info.remote}: text message (bondcat sends binary only)`));
  }

  private readonly sendQueued = (v: Uint8Array): boolean => {
    if (this.sendMessage(v)) return true;
    this.blocked = true;
    return false;
  };

  protected onSocketDrain(): void {
    if (this.done) return;
    this.blocked = false;
    if (!this.out.flushWhole(this.sendQueued)) return;
    if (this.closing) {
      if (!this.writeShut) this.endWrite();
      return;
    }
    if (!this.blocked) this.emitDrain();
  }

  protected onSocketClose(code: number, reason: string): void {
    if (this.done) return;
    if (this.writeShut && this.peerEnded) return this.finish(undefined);
    const why = code === 1006 ? "connection lost" : `closed with code ${code}${reason ? ` (${reason})` : ""}`;
    this.finish(new TransportError("ECONNRESET", `${this.info.transport} ${this.info.remote}: ${why}`));
  }

  protected onSocketError(err: Error): void {
    this.abort(new TransportError("ECONNRESET", `${this.info.transport} ${this.info.remote}: ${err.message}`, { cause: err }));
  }

  private onPeerEnd(): void {
    if (this.peerEnded) return;
    this.peerEnded = true;
    this.emitEnd();
    if (this.writeShut) this.closeSocket();
  }

  protected endWrite(): void {
    this.writeShut = true;
    this.sendMessage(EMPTY);
    if (this.peerEnded) this.closeSocket();
  }

}
