/**
 * Relay mode: the session ⇄ one plain TCP connection to a target, opened when the session starts.
 * Bytes flow both ways with backpressure (a full session pauses reading the target socket; a full
 * target socket pauses the session's delivery) and half-close is honoured both ways: the target's FIN
 * ends our direction (session.end()), the peer's FIN shuts down the target's write side once every
 * byte reached the socket. On a clean session end the side waits until queued bytes are written.
 *
 * Uses Bun.connect directly (not a transport plugin): it needs pause()/resume() of reading, which the
 * Pipe contract has no use for.
 */
import type { Socket, SocketHandler, TCPSocketConnectOptions } from "bun";
import { AbortCode, SessionError, type SessionHandle } from "../api/index.ts";
import { WriteQueue } from "../contract/write-queue.ts";
import type { LocalSide } from "./local-side.ts";

export interface RelayOptions {
  /** Target host (IPv6 without brackets) and port. */
  host: string;
  port: number;
  /** Printable target for messages, e.g. "127.0.0.1:22". */
  label: string;
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** After a clean session end, the longest wait for queued bytes to reach the target (default 30 s). */
  flushTimeoutMs?: number;
  /** Messages worth a debug line. */
  debug?(message: string): void;
}

type RelaySocket = Socket<RelaySide>;

/**
 * The target socket: dialling, connected, dropped by us (connect failed or timed out, terminated on an
 * error or a flush timeout; its close event may still come) or closed (its close event came, once).
 * In "dropped" and "closed" further peer bytes are dropped, as a closed socket would.
 */
type TargetState = "connecting" | "open" | "dropped" | "closed";
/** Peer → target: open, the peer's FIN arrived (shut the target's write side once the queue is empty), shut. */
type ToTargetState = "open" | "ending" | "shut";
/** Target → peer: open, or ended (session.end() called: target FIN, finish() or target gone). */
type FromTargetState = "open" | "ended";
/** Our lifecycle: running until the session calls close(). */
type Phase = "running" | "over";

export class RelaySide implements LocalSide {
  private session: SessionHandle | null = null;
  private socket: RelaySocket | null = null;
  /** Peer bytes the target has not taken yet. */
  private readonly out = new WriteQueue();
  private target: TargetState = "connecting";
  private toTarget: ToTargetState = "open";
  private fromTarget: FromTargetState = "open";
  private phase: Phase = "running";
  // Backpressure, one flag per direction (independent of the states above).
  /** We returned false from data(): resume the session once the queue is written. */
  private peerPaused = false;
  /** The session refused bytes (or finish()): the target socket's reading is paused until drain(). */
  private targetPaused = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private flushed: (() => void) | null = null;
  /** Bytes the session delivered that never reached the target after a clean end (failed()). */
  private lost: Error | null = null;

  constructor(private readonly o: RelayOptions) {}

  /** The target socket is gone (or never came). */
  private get gone(): boolean {
    return this.target === "dropped" || this.target === "closed";
  }

  private get over(): boolean {
    return this.phase === "over";
  }

  /** We give the target socket up; a close event already seen stays "closed". */
  private drop(): void {
    if (this.target !== "closed") this.target = "dropped";
  }

  // ---------------------------------------------------------------- session → target

  data(view: Uint8Array): boolean {
    if (this.gone) return true;
    const s = this.socket;
    if (s === null || !this.out.empty) return this.hold(view);
    const n = s.write(view);
    if (n === view.length) return true;
    if (n < 0) return true; // closing: its close event follows
    return this.hold(n === 0 ? view : view.subarray(n));
  }

  private hold(view: Uint8Array): boolean {
    this.out.push(view);
    this.peerPaused = true;
    return false;
  }

  end(): void {
    if (this.toTarget === "open") this.toTarget = "ending";
    if (this.socket !== null && this.out.empty) this.shutdown();
  }

  /** The target socket is writable again: write what is queued, then shut down or resume as due. */
  onTargetDrain(): void {
    const s = this.socket;
    if (s === null || this.gone) return;
    if (!this.out.flush((v) => s.write(v))) return;
    if (this.toTarget === "ending") this.shutdown();
    if (this.peerPaused && !this.over) {
      this.peerPaused = false;
      this.session?.resume();
    }
  }

  private shutdown(): void {
    if (this.toTarget === "shut" || this.socket === null) return;
    this.toTarget = "shut";
    this.socket.shutdown();
    this.flushed?.();
  }

  // ---------------------------------------------------------------- target → session

  drain(): void {
    if (this.targetPaused && this.socket !== null) {
      this.targetPaused = false;
      this.socket.resume();
    }
  }

  onTargetData(view: Uint8Array): void {
    const s = this.session;
    if (this.fromTarget === "ended" || s === null || s.state !== "open") return;
    if (!s.write(view) && !this.targetPaused) {
      this.targetPaused = true;
      this.socket?.pause();
    }
  }

  onTargetEnd(): void {
    if (this.fromTarget === "ended") return;
    this.fromTarget = "ended";
    this.o.debug?.(`relay ${this.o.label}: target finished sending`);
    if (this.session?.state === "open") this.session.end();
  }

  onTargetClose(err?: Error): void {
    // Once per socket (Bun may report an error and then the close); possibly before Bun.connect's
    // promise handed us the socket.
    if (this.target === "closed") return;
    const wasShut = this.toTarget === "shut";
    this.target = "closed";
    this.socket = null;
    if (this.over && !this.out.empty) this.lose(`closed with ${this.out.bytes} bytes not written${err ? `: ${err.message}` : ""}`);
    this.out.clear();
    this.flushed?.();
    if (this.over) return;
    if (err !== undefined && this.fromTarget !== "ended") {
      this.session?.abort(AbortCode.APPLICATION, `relay target ${this.o.label}: ${err.message}`, err);
      return;
    }
    if (err !== undefined) this.o.debug?.(`relay ${this.o.label}: ${err.message} (after its FIN)`);
    else if (!wasShut) this.o.debug?.(`relay ${this.o.label}: target closed`);
    this.onTargetEnd();
    if (this.peerPaused) {
      this.peerPaused = false;
      this.session?.resume(); // further bytes are dropped, as a closed socket would
    }
  }

  // ---------------------------------------------------------------- lifecycle

  start(session: SessionHandle): void {
    this.session = session;
    const options: TCPSocketConnectOptions<RelaySide> = {
      hostname: this.o.host,
      port: this.o.port,
      allowHalfOpen: true,
      socket: handlers,
      data: this,
    };
    this.timer = setTimeout(() => this.fail(new Error(`connect timed out`)), this.o.connectTimeoutMs ?? 10_000);
    Bun.connect(options).then(
      (socket) => {
        if (this.timer) clearTimeout(this.timer);
        if (this.over || this.gone) {
          socket.terminate();
          return;
        }
        this.socket = socket;
        this.target = "open";
        this.o.debug?.(`relay ${this.o.label}: connected`);
        this.onTargetDrain();
        if (this.toTarget === "ending" && this.out.empty) this.shutdown();
      },
      (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
  }

  private fail(err: Error): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.socket !== null || this.gone || this.over) return;
    this.drop();
    this.session?.abort(AbortCode.APPLICATION, `relay target ${this.o.label}: ${err.message}`, err);
  }

  finish(): void {
    if (this.socket !== null && !this.targetPaused) this.socket.pause();
    this.targetPaused = true;
    this.onTargetEnd();
  }

  /** Session over: on a clean end, wait (bounded) for queued bytes to reach the target. */
  close(err?: Error): Promise<void> | void {
    this.phase = "over";
    if (this.timer) clearTimeout(this.timer);
    const s = this.socket;
    if (s === null) return;
    if (err !== undefined) {
      this.drop();
      this.socket = null;
      s.terminate();
      return;
    }
    if (this.out.empty) {
      this.shutdown();
      this.linger(s);
      return;
    }
    return new Promise<void>((resolve) => {
      const ms = this.o.flushTimeoutMs ?? 30_000;
      const t = setTimeout(() => {
        this.lose(`${this.out.bytes} bytes not taken in ${ms / 1000} s`);
        this.drop();
        this.socket = null;
        s.terminate();
        resolve();
      }, ms);
      this.flushed = () => {
        clearTimeout(t);
        this.flushed = null;
        this.linger(s);
        resolve();
      };
    });
  }

  private lose(what: string): void {
    this.lost ??= new SessionError("EFLUSH", `relay target ${this.o.label}: ${what}`);
  }

  failed(): Error | undefined {
    return this.lost ?? undefined;
  }

  /** After our FIN: read (and drop) until the target closes too, so no unread byte turns close into RST. */
  private linger(s: RelaySocket): void {
    if (this.gone) return;
    s.resume();
    const t = setTimeout(() => {
      if (this.socket === s) s.terminate();
    }, 5000);
    t.unref?.();
  }
}

const handlers: SocketHandler<RelaySide> = {
  open(socket) {
    socket.setNoDelay(true);
  },
  data: (socket, data) => socket.data.onTargetData(data),
  drain: (socket) => socket.data.onTargetDrain(),
  end: (socket) => socket.data.onTargetEnd(),
  close: (socket, err) => socket.data.onTargetClose(err),
  error: (socket, err) => socket.data.onTargetClose(err),
};
