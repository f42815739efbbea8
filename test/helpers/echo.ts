/**
 * A TCP echo server for tests and benches (in the calling process, on 127.0.0.1 port 0): every
 * connection gets its bytes back — or what `reply` makes of them (bench/marker-target.ts echoes marker
 * lines only) — with backpressure (stops reading while its writes are queued), no Nagle delay, and
 * half-close (the client's FIN → our FIN once everything is written).
 */
import type { Socket } from "bun";

/** Per connection: what to send back for the bytes just read (null: nothing). */
export type Reply = (data: Uint8Array) => Uint8Array | null;

interface Conn {
  queue: Uint8Array[];
  ended: boolean;
  shut: boolean;
  reply: Reply | null;
}

export interface EchoServer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open right now. */
  readonly open: number;
  /** Bytes echoed so far. */
  readonly bytes: number;
  close(): void;
}

/** `reply`: makes each connection's reply function (state per connection); default: echo every byte. */
export function startEchoServer(reply?: () => Reply): EchoServer {
  let accepted = 0;
  let open = 0;
  let bytes = 0;
  const flush = (s: Socket<Conn>): void => {
    const c = s.data;
    while (c.queue.length > 0) {
      const chunk = c.queue[0] as Uint8Array;
      const n = s.write(chunk);
      if (n < 0) return;
      bytes += n;
      if (n < chunk.length) {
        c.queue[0] = chunk.subarray(n);
        s.pause();
        return;
      }
      c.queue.shift();
    }
    s.resume();
    if (c.ended && !c.shut) {
      c.shut = true;
      s.shutdown();
    }
  };
  const server = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: 0,
    allowHalfOpen: true,
    socket: {
      open(s) {
        accepted++;
        open++;
        s.setNoDelay(true);
        s.data = { queue: [], ended: false, shut: false, reply: reply ? reply() : null };
      },
      data(s, d) {
        const out = s.data.reply === null ? d : s.data.reply(d);
        if (out === null || out.length === 0) return;
        s.data.queue.push(out);
        flush(s);
      },
      drain: (s) => flush(s),
      end(s) {
        s.data.ended = true;
        flush(s);
      },
      close() {
        open--;
      },
      error() {},
    },
  });
  return {
    port: server.port,
    get accepted() {
      return accepted;
    },
    get open() {
      return open;
    },
    get bytes() {
      return bytes;
    },
    close: () => server.stop(true),
  };
}
