/**
 * Reads a file descriptor (stdin) on a Worker thread with blocking reads, straight into buffers that
 * leave room for the frame header, and hands them over without copying (transferred ArrayBuffers).
 * Blocking reads on the main thread would stall its timers (acks, heartbeats) while the producer is idle.
 *
 * Flow control is by credit: the worker reads one chunk per credit the main thread grants. Buffers the
 * session has finished with (acknowledged) travel back to the worker and are reused, so a long transfer
 * allocates (and page-faults) only a window's worth of memory.
 */
const WORKER_SOURCE = `
const { readSync } = require("node:fs");
let fd = 0, chunk = 0, headroom = 0, credits = 0, done = false;
const pool = [];
const nap = new Int32Array(new SharedArrayBuffer(4));
function pump() {
  while (credits > 0 && !done) {
    credits--;
    let buf = pool.pop() || new ArrayBuffer(headroom + chunk);
    let n;
    for (;;) {
      try { n = readSync(fd, new Uint8Array(buf), headroom, chunk, null); break; }
      catch (err) {
        if (err && err.code === "EAGAIN") { Atomics.wait(nap, 0, 0, 2); continue; }
        if (err && err.code === "EOF") { n = 0; break; }
        done = true;
        postMessage({ err: String((err && err.message) || err), code: err && err.code });
        return;
      }
    }
    if (n === 0) { done = true; postMessage({ eof: true }); return; }
    // A small read (interactive use) is copied into a right-sized buffer so a keystroke does not pin
    // a whole chunk; the big buffer stays in the pool.
    if (n < chunk >> 1) { const small = buf.slice(0, headroom + n); pool.push(buf); buf = small; }
    postMessage({ buf, n }, [buf]);
  }
}
self.onmessage = (e) => {
  const m = e.data;
  if (m.init) { fd = m.fd; chunk = m.chunk; headroom = m.headroom; }
  if (m.buf && m.buf.byteLength === headroom + chunk && pool.length < 64) pool.push(m.buf);
  credits += m.credit || 0;
  pump();
};`;

export interface StdinReaderEvents {
  /** `headroom` free bytes then the bytes read. Return false to stop reading until `resume()`. */
  chunk(frame: Uint8Array): boolean;
  end(): void;
  error(err: Error): void;
}

export class StdinReader {
  private readonly worker: Worker;
  private stopped = false;
  private paused = false;

  constructor(
    fd: number,
    private readonly chunkSize: number,
    private readonly headroom: number,
    private readonly events: StdinReaderEvents,
    window = 4,
  ) {
    const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "application/javascript" }));
    this.worker = new Worker(url);
    this.worker.onmessage = (e: MessageEvent) => this.onMessage(e.data);
    this.worker.postMessage({ init: true, fd, chunk: chunkSize, headroom, credit: window });
  }

  private onMessage(m: { buf?: ArrayBuffer; n?: number; eof?: boolean; err?: string; code?: string }): void {
    if (this.stopped) return;
    if (m.buf !== undefined) {
      if (this.events.chunk(new Uint8Array(m.buf, 0, this.headroom + m.n!))) this.grant(null);
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
    this.grant(null);
  }

  /** A frame this reader produced is no longer used by anyone: its memory may be read into again. */
  recycle(frame: Uint8Array): void {
    const buf = frame.buffer;
    if (this.stopped || !(buf instanceof ArrayBuffer) || buf.byteLength !== this.headroom + this.chunkSize) return;
    this.worker.postMessage({ buf }, [buf]);
  }

  private grant(_: null): void {
    this.worker.postMessage({ credit: 1 });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.worker.terminate();
  }
}
