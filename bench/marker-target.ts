/**
 * The target of the marker-behind-bulk benchmark (bench/latency.ts): a TCP server on 127.0.0.1 that
 * discards every byte except lines starting with the marker byte "M", which it echoes back at once.
 * Prints its port on stdout. At the client's FIN it ends its side too (the shared echo server,
 * test/helpers/echo.ts, with a reply that keeps marker lines only).
 *   bun bench/marker-target.ts
 */
import { startEchoServer } from "../test/helpers/echo.ts";

const M = 0x4d;
const NL = 0x0a;

/** One connection's marker lines: the bytes of each (a line may span reads), nothing else. */
function markerLines(): (buf: Uint8Array) => Uint8Array | null {
  /** Inside a marker line: its bytes so far. */
  let line: number[] | null = null;
  return (buf) => {
    const out: number[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (line === null) {
        const m = buf.indexOf(M, pos);
        if (m < 0) break;
        line = [];
        pos = m;
      }
      const nl = buf.indexOf(NL, pos);
      const end = nl < 0 ? buf.length : nl + 1;
      for (let i = pos; i < end; i++) line.push(buf[i]!);
      pos = end;
      if (nl >= 0) {
        out.push(...line);
        line = null;
      }
    }
    return out.length > 0 ? new Uint8Array(out) : null;
  };
}

const server = startEchoServer(markerLines);
process.stdout.write(`${server.port}\n`);
