/**
 * The target of the marker-behind-bulk benchmark (bench/latency.ts): a TCP server on 127.0.0.1 that
 * discards every byte except lines starting with the marker byte "M", which it echoes back at once.
 * Prints its port on stdout. At the client's FIN it ends its side too.
 *   bun bench/marker-target.ts
 */
const M = 0x4d;
const NL = 0x0a;

interface Conn {
  /** Inside a marker line: its bytes so far (the line may span reads). */
  line: number[] | null;
}

const server = Bun.listen<Conn>({
  hostname: "127.0.0.1",
  port: 0,
  allowHalfOpen: true,
  socket: {
    open(s) {
      s.setNoDelay(true);
      s.data = { line: null };
    },
    data(s, buf) {
      const c = s.data;
      let pos = 0;
      while (pos < buf.length) {
        if (c.line === null) {
          const m = buf.indexOf(M, pos);
          if (m < 0) return;
          c.line = [];
          pos = m;
        }
        const nl = buf.indexOf(NL, pos);
        const end = nl < 0 ? buf.length : nl + 1;
        for (let i = pos; i < end; i++) c.line.push(buf[i]!);
        pos = end;
        if (nl >= 0) {
          s.write(new Uint8Array(c.line));
          c.line = null;
        }
      }
    },
    end(s) {
      s.end();
    },
  },
});
process.stdout.write(`${server.port}\n`);
