/**
 * `--proxy-protocol` on an accepted socket: owns it until the PROXY header is read (bounded by the
 * parser's limits, within a deadline), then hands it on with the client the header names and the
 * bytes that followed it. A malformed or late header drops that connection only, reported to the
 * listener's `rejected` hook; a connection closed before any byte (a health check) is reported as
 * "EEMPTY".
 */
import { TransportError } from "../src/contract/errors.ts";
import { formatAddr } from "../src/contract/address.ts";
import { parseProxyHeader } from "./proxy-header.ts";
import { addrOf, type SinkSocket, type SocketSink } from "./socket-pipe.ts";

/** How long a balancer may take to send the header (it sends it at once, with the connection). */
export const PROXY_HEADER_TIMEOUT_MS = 5000;

/**
 * `remote`: the client named by the header ("198.18.0.7:50000"), or the balancer itself for LOCAL /
 * UNKNOWN headers (its own health checks); `balancer`: the connection's real peer.
 */
export type HandOn = (socket: SinkSocket, held: Uint8Array[], peer: { remote: string; balancer: string; address: string }) => void;

export class ProxyHeaderSink implements SocketSink {
  private buf: Uint8Array = new Uint8Array(0);
  private done = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  /** Read at accept: once the socket is closed Bun no longer reports its peer. */
  readonly balancer: string;

  constructor(
    private readonly socket: SinkSocket,
    private readonly hand: HandOn,
    private readonly reject: (balancer: string, err: Error) => void,
    timeoutMs = PROXY_HEADER_TIMEOUT_MS,
  ) {
    this.balancer = addrOf(socket.remoteAddress, socket.remotePort);
    this.timer = setTimeout(() => this.fail(new TransportError("ETIMEDOUT", `no complete PROXY header within ${timeoutMs} ms`)), timeoutMs);
  }

  onData(view: Uint8Array): void {
    if (this.done) return;
    let b = view;
    if (this.buf.length > 0) {
      b = new Uint8Array(this.buf.length + view.length); // only while the header is incomplete: ≤ its limit + one read
      b.set(this.buf);
      b.set(view, this.buf.length);
    }
    let header;
    try {
      header = parseProxyHeader(b);
    } catch (err) {
      return this.fail(err as Error);
    }
    if (header === null) {
      this.buf = b === view ? view.slice() : b;
      return;
    }
    this.done = true;
    clearTimeout(this.timer);
    const rest = b.subarray(header.length);
    const remote = header.source ? formatAddr(header.source.address, header.source.port) : this.balancer;
    const address = header.source?.address ?? this.socket.remoteAddress ?? this.balancer; // `remote` without its port
    this.hand(this.socket, rest.length > 0 ? [rest] : [], { remote, balancer: this.balancer, address });
  }

  onDrain(): void {}

  onEnd(): void {
    this.ended();
  }

  onClose(): void {
    this.ended();
  }

  onError(err: Error): void {
    this.ended(err);
  }

  /** The connection ended or failed before the header was complete. */
  private ended(cause?: Error): void {
    if (this.done) return;
    this.fail(
      this.buf.length === 0
        ? new TransportError("EEMPTY", "closed without sending a byte (a health check?)", { cause })
        : new TransportError("EPROXYHEADER", `closed inside the PROXY header (${this.buf.length} bytes)`, { cause }),
    );
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.socket.terminate();
    this.reject(this.balancer, err);
  }
}
