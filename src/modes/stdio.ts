/**
 * stdin → session → stdout, the netcat job. Input is read on a worker thread into frame-sized buffers
 * (zero copies into the session); output is written without blocking the event loop (a slow reader
 * pauses delivery, which slows the remote sender). Both pipes are enlarged to 1 MiB where they are
 * pipes. stdin EOF sends FIN but keeps stdout open (half-close).
 */
import { AbortCode, HEADER_SIZE, type SessionHandle } from "../api/index.ts";
import { enlargePipe } from "../io/pipe-size.ts";
import { StdinReader } from "../io/stdin-reader.ts";
import { StdoutWriter } from "../io/stdout-writer.ts";
import type { LocalSide } from "./local-side.ts";

export interface StdioOptions {
  inFd?: number;
  outFd?: number;
  chunkSize: number;
  sendBuffer: number;
  onInputError?(err: Error): void;
}

export class StdioSide implements LocalSide {
  private readonly out: StdoutWriter;
  private reader: StdinReader | null = null;
  private session: SessionHandle | null = null;
  private readonly inFd: number;

  constructor(private readonly o: StdioOptions) {
    this.inFd = o.inFd ?? 0;
    const outFd = o.outFd ?? 1;
    enlargePipe(this.inFd);
    enlargePipe(outFd);
    this.out = new StdoutWriter(outFd, () => this.outputWritable());
  }

  data(view: Uint8Array): boolean {
    if (this.out.write(view)) return true;
    if (this.out.failed) this.outputFailed();
    return false; // kept by the writer: delivery pauses until it is written
  }

  private outputWritable(): void {
    if (this.out.failed) this.outputFailed();
    else this.session?.resume();
  }

  private outputFailed(): void {
    this.session?.abort(AbortCode.APPLICATION, "receiver's output closed", this.out.failed ?? undefined);
  }

  end(): void {}

  drain(): void {
    this.reader?.resume();
  }

  release(frame: Uint8Array): void {
    this.reader?.release(frame);
  }

  start(session: SessionHandle): void {
    this.session = session;
    // Ring slots: enough to fill the send buffer, plus room to read ahead.
    const slots = Math.ceil(this.o.sendBuffer / this.o.chunkSize) + 4;
    this.reader = new StdinReader(this.inFd, this.o.chunkSize, HEADER_SIZE, {
      chunk: (frame) => session.state === "open" && session.writeFrame(frame),
      end: () => session.end(),
      error: (err) => {
        this.o.onInputError?.(err);
        session.end();
      },
    }, slots);
  }

  /** Stop reading input now and finish the stream (first Ctrl-C). */
  finishInput(): void {
    this.reader?.stop();
    this.session?.end();
  }

  close(): void {
    this.reader?.stop();
    this.out.finish();
  }

  get bytesOut(): number {
    return this.out.bytes;
  }
}
