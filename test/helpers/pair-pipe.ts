/**
 * A pipe that takes a DATA frame's header and payload as a pair (Pipe.writePair, as the socket pipe
 * does) around a memory pipe, and remembers the payload views it was handed (to check they were not
 * copied).
 */
import type { Pipe, PipeHandler } from "../../src/contract/pipe.ts";
import type { MemoryPipe } from "./memory-pipe.ts";

export class PairPipe implements Pipe {
  readonly bodies: Uint8Array[] = [];
  constructor(readonly inner: MemoryPipe) {}
  get info() {
    return this.inner.info;
  }
  get queued(): number {
    return this.inner.queued;
  }
  attach(h: PipeHandler): void {
    this.inner.attach(h);
  }
  write(bytes: Uint8Array): boolean {
    return this.inner.write(bytes);
  }
  writePair(head: Uint8Array, body: Uint8Array): boolean {
    this.bodies.push(body);
    this.inner.write(head);
    return this.inner.write(body);
  }
  close(): void {
    this.inner.close();
  }
  abort(err?: Error): void {
    this.inner.abort(err);
  }
}
