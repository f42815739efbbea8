/**
 * The producer of the marker-behind-bulk benchmark (bench/latency.ts): writes SIZE bytes of zeros to
 * stdout with a marker line "M<wall-clock µs>\n" (performance.timeOrigin-based, comparable across processes) after every EVERY bytes (and one at the end), with
 * blocking writes, then exits.
 *   bun bench/marker-feed.ts SIZE EVERY
 */
import { writeSync } from "node:fs";

const size = Number(process.argv[2]);
const every = Number(process.argv[3]);
const zeros = new Uint8Array(256 * 1024);
const enc = new TextEncoder();

function put(buf: Uint8Array): void {
  for (let pos = 0; pos < buf.length; ) {
    try {
      pos += writeSync(1, buf, pos, buf.length - pos);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
      Bun.sleepSync(0.2);
    }
  }
}

for (let sent = 0; sent < size; ) {
  const n = Math.min(every, size - sent);
  for (let left = n; left > 0; left -= zeros.length) put(left >= zeros.length ? zeros : zeros.subarray(0, left));
  sent += n;
  put(enc.encode(`M${Math.round((performance.timeOrigin + performance.now()) * 1000)}\n`));
}
