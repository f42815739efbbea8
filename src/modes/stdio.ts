/**
 * stdin → session → stdout, the netcat job. Input comes from the process's one stdin reader (a worker
 * thread reading into frame-sized buffers, zero copies into the session for bulk), lent to one session
 * at a time; output is written without blocking the event loop (a slow reader pauses delivery, which
 * slows the remote sender). Both pipes are enlarged to 1 MiB where they are pipes.
 *
 * How the stream ends, as with ncat: stdin EOF sends FIN but keeps stdout open (half-close) — except
 * when stdin is a terminal: once the peer has finished and everything it sent is written out, nobody is
 * going to type the rest, so our direction ends too and the session closes. --recv-only never reads
 * stdin (FIN at once); --send-only discards what arrives.
 */
import { isatty } from "node:tty";
import { AbortCode, HEADER_SIZE, SessionError, type SessionHandle } from "../api/index.ts";
import { enlargePipe } from "../io/pipe-size.ts";
import { sharedStdinReader, type StdinConsumer, type StdinReader } from "../io/stdin-reader.ts";
import { StdoutWriter } from "../io/stdout-writer.ts";
import type { LocalSide } from "./local-side.ts";

export interface StdioOptions {
  inFd?: number;
  outFd?: number;
  chunkSize: number;
  sendBuffer: number;
  direction?: "recv-only" | "send-only";
  /** Finish our direction once the peer finished and its bytes are written (default: stdin is a tty). */
  endWithPeer?: boolean;
}

export class StdioSide implements LocalSide {
  private readonly out: StdoutWriter | null = null;
  private reader: StdinReader | null = null;
  private session: SessionHandle | null = null;
  private readonly inFd: number;
  private readonly endWithPeer: boolean;
  private peerEnded = false;
  private consumer: StdinConsumer | null = null;

  constructor(private readonly o: StdioOptions) {
    this.inFd = o.inFd ?? 0;
    this.endWithPeer = o.endWithPeer ?? isatty(this.inFd);
    if (o.direction !== "recv-only") enlargePipe(this.inFd);
    if (o.direction === "send-only") return;
    const outFd = o.outFd ?? 1;
    enlargePipe(outFd);
    this.out = new StdoutWriter(outFd, () => this.outputWritable());
  }

  data(view: Uint8Array): boolean {
    const out = this.out;
    if (out === null || out.write(view)) return true;
    if (out.failed) this.outputFailed();
    return false; // kept by the writer: delivery pauses until it is written
  }

  private outputWritable(): void {
    if (this.out?.failed) return this.outputFailed();
    this.session?.resume();
    this.maybeEndWithPeer();
  }

  private outputFailed(): void {
    this.session?.abort(AbortCode.APPLICATION, "receiver's output closed", this.out?.failed ?? undefined);
  }

  end(): void {
    this.peerEnded = true;
    this.maybeEndWithPeer();
  }

  private maybeEndWithPeer(): void {
    if (this.endWithPeer && this.peerEnded && !(this.out?.busy ?? false)) this.finish();
  }

  drain(): void {
    this.reader?.resume();
  }

  release(frame: Uint8Array): void {
    this.reader?.release(frame);
  }

  start(session: SessionHandle): void {
    this.session = session;
    if (this.o.direction === "recv-only") return session.end();
    // The frames a full send buffer holds (the reader adds its read-ahead).
    const held = Math.ceil(this.o.sendBuffer / this.o.chunkSize) + 1;
    this.reader = sharedStdinReader(this.inFd, this.o.chunkSize, HEADER_SIZE, held);
    const c: StdinConsumer = {
      chunk: (frame) => session.state === "open" && session.writeFrame(frame),
      readAhead: () => session.drainSoon >> 1,
      end: () => this.finish(),
      error: (err) => {
        this.letGo();
        const e = new SessionError("EINPUT", err.message);
        session.abort(AbortCode.APPLICATION, `sender's input failed: ${err.message}`, e);
      },
    };
    this.consumer = c;
    this.reader.acquire(c);
  }

  /** Stop reading input now and finish the stream (first Ctrl-C, stdin EOF, a terminal's peer done). */
  finish(): void {
    this.letGo();
    this.session?.end();
  }

  private letGo(): void {
    if (this.consumer) this.reader?.letGo(this.consumer);
    this.consumer = null;
  }

  close(): void {
    this.letGo();
    this.out?.finish();
  }

  /** A write error at the final flush: the session ended cleanly but not everything reached stdout. */
  failed(): Error | undefined {
    const err = this.out?.failed;
    return err ? new SessionError("EOUTPUT", `writing output: ${err.message}`) : undefined;
  }

  get bytesOut(): number {
    return this.out?.bytes ?? 0;
  }
}
