/**
 * A third-party transport plugin, as docs/TRANSPORTS.md ("Writing a transport") describes it:
 * Unix domain sockets, `unix:///path/to.sock`. It reuses bondcat's public socket adapter
 * (transports/socket-pipe.ts) and dial guard (transports/dial-guard.ts); everything else is here.
 */
import { existsSync, unlinkSync } from "node:fs";
import { ConfigError, TransportError } from "../../src/contract/errors.ts";
import { guardDial } from "../../transports/dial-guard.ts";
import { type SinkSocket, type SocketSink, SocketPipe, socketHandlers, toTransportError } from "../../transports/socket-pipe.ts";
import type { Listener, Pipe, Transport } from "../../src/contract/transport.ts";

function socketPath(url: URL): string {
  if (url.host !== "" || url.pathname === "" || url.pathname === "/") {
    throw new ConfigError("EBADURL", `${url.href}: expected unix:///absolute/path.sock`);
  }
  return decodeURIComponent(url.pathname);
}

/** Owns a dialled socket until `open`, then hands it to a SocketPipe. */
class OpenSink implements SocketSink {
  constructor(private readonly ready: (s: SinkSocket) => void, private readonly fail: (e: Error) => void) {}
  onOpen(s: SinkSocket): void {
    this.ready(s);
  }
  onData(): void {}
  onDrain(): void {}
  onEnd(): void {}
  onClose(err?: Error): void {
    this.fail(err ?? new TransportError("ECONNRESET", "closed before open"));
  }
  onError(err: Error): void {
    this.fail(err);
  }
}

const info = (path: string) => ({ transport: "unix", local: path, remote: path });

export function unixTransport(): Transport {
  return {
    name: "unix",
    schemes: ["unix"],
    dial(url, opts) {
      const path = socketPath(url);
      return guardDial<Pipe>(`unix dial ${path}`, opts, (attempt) => {
        let sock: SinkSocket | undefined;
        const ready = (s: SinkSocket): void => {
          sock = s;
          const pipe = new SocketPipe(s, info(path));
          s.data = pipe;
          attempt.ok(pipe);
        };
        Bun.connect<SocketSink>({ unix: path, allowHalfOpen: true, socket: socketHandlers, data: new OpenSink(ready, attempt.fail) })
          .catch((err: unknown) => {
            // No socket file = nobody listening: the contract's ECONNREFUSED.
            const e = toTransportError(err, "ECONNREFUSED", `unix dial ${path}`);
            attempt.fail(e.code === "ENOENT" ? new TransportError("ECONNREFUSED", e.message, { cause: err }) : e);
          });
        return () => sock?.terminate();
      });
    },
    async listen(url, opts, onPipe): Promise<Listener> {
      const path = socketPath(url);
      if (existsSync(path)) unlinkSync(path);
      const server = Bun.listen<SocketSink>({
        unix: path,
        allowHalfOpen: true,
        socket: {
          ...socketHandlers,
          open(s) {
            const pipe = new SocketPipe(s, info(path));
            s.data = pipe;
            onPipe(pipe);
          },
        },
      });
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        server.stop(false);
        if (existsSync(path)) unlinkSync(path);
      };
      opts.signal?.addEventListener("abort", () => void close(), { once: true });
      return { url, port: 0, notes: [], close };
    },
  };
}
