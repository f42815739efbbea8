/**
 * Reads a file descriptor (stdin) on a Worker thread with blocking reads, straight into buffers that
 * leave room for the frame header, and hands them over without copying (transferred ArrayBuffers).
 * Blocking reads on the main thread would stall its timers (acks, heartbeats) while the producer is idle.
 * Flow control: the main thread grants credits (frames it will accept) through a shared counter.
 */
const WORKER_SOURCE = `
const { readSync } = require("node:fs");
self.onmessage = (e) => {
  const { credit, fd, chunk, headroom } = e.data;
  const c = new Int32Array(credit);
  for (;;) {
    while (Atomics.load(c, 0) <= 0) Atomics.wait(c, 0, Atomics.load(c, 0), 1000);
    Atomics.sub(c, 0, 1);
    let buf = new ArrayBuffer(headroom + chunk);
    let n;
    try {
      n = readSync(fd, new Uint8Array(buf), headroom, chunk, null);
    } catch (err) {
      if (err && err.code === "EAGAIN") { Atomics.add(c, 0, 1); Atomics.wait(c, 0, -1, 2); continue; }
      if (err && err.code === "EOF") { postMessage({ eof: true }); return; }
      postMessage({ err: String(err && err.message || err), code: err && err.code });
      return;
    }
    if (n === 0) { postMessage({ eof: true }); return; }
    // Small reads (interactive use) are copied into a right-sized buffer so a keystroke does not pin a whole chunk.
    if (n < chunk >> 1) buf = buf.slice(0, headroom + n);
    postMessage({ buf, n }, [buf]);
  }
};`;

export interface StdinReaderEvents {
  /** A buffer: `headroom` free bytes then `n` bytes read. Return false to stop reading until `resume()`. */
  chunk(frame: Uint8Array): boolean;
  end(): void;
  error(err: Error): void;
}

export class StdinReader {
  private readonly worker: Worker;
  private readonly credit = new Int32Array(new SharedArrayBuffer(4));
  private stopped = false;
  private paused = false;

  constructor(
    fd: number,
    chunk: number,
    private readonly headroom: number,
    private readonly events: StdinReaderEvents,
    window = 4,
  ) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.worker = new Worker(url);
    this.worker.unref?.();
    this.worker.onmessage = (e: MessageEvent) => this.onMessage(e.data);
    this.credit[0] = window;
    this.worker.postMessage({ credit: this.credit.buffer, fd, chunk, headroom });
  }

  private onMessage(m: { buf?: ArrayBuffer; n?: number; eof?: boolean; err?: string; code?: string }): void {
    if (this.stopped) return;
    if (m.buf !== undefined) {
      if (this.events.chunk(new Uint8Array(m.buf, 0, this.headroom + m.n!))) this.grant();
      else this.paused = true;
      return;
    }
    this.stop();
    if (m.eof) this.events.end();
    else this.events.error(Object.assign(new Error(`reading input: ${m.err}`), { code: m.code }));
  }

  /** Accept more input after `chunk` returned false. */
  resume(): void {
    if (!this.paused || this.stopped) return;
    this.paused = false;
    this.grant();
  }

  private grant(): void {
    Atomics.add(this.credit, 0, 1);
    Atomics.notify(this.credit, 0);
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.terminate();
  }
}
