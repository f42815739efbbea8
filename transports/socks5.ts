/**
 * SOCKS5 client handshake (RFC 1928, user/password auth RFC 1929) on a Bun socket, as a SocketSink —
 * the SOCKS twin of proxy.ts's ConnectSink, so tcp/tls reuse the same tunnel → (upgradeTLS) → pipe path.
 *
 *   socks5://  the target name is resolved here and the proxy gets an address (curl's meaning);
 *   socks5h:// the proxy resolves the name (the name is sent; needed when only the proxy can resolve it).
 *
 * Why not the `socks` package: it works under Bun but hands back a node:net socket, while every pipe here
 * is a Bun socket (Bun.connect / upgradeTLS) and Bun's WebSocket client takes only an HTTP proxy URL;
 * the exchange is three short messages, checked against microsocks and `ssh -D` in the tests.
 */
import { isIP } from "node:net";
import { TransportError } from "../src/contract/errors.ts";
import { formatAddr } from "../src/contract/address.ts";
import { redact } from "./proxy.ts";
import type { SinkSocket, SocketSink } from "./socket-pipe.ts";

export function isSocks(proxy: URL | null): boolean {
  return proxy !== null && (proxy.protocol === "socks5:" || proxy.protocol === "socks5h:");
}

/** RFC 1928 reply codes. */
const REPLIES: Readonly<Record<number, string>> = {
  1: "general SOCKS server failure",
  2: "connection not allowed by ruleset",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused",
  6: "TTL expired",
  7: "command not supported",
  8: "address type not supported",
};

const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const NO_METHOD = 0xff;

/** Address bytes of a CONNECT request: ATYP + address. A name goes as a domain (type 3). */
export function socksAddress(host: string): Uint8Array {
  const v = isIP(host);
  if (v === 4) return Uint8Array.of(1, ...host.split(".").map(Number));
  if (v === 6) {
    // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
    const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
    if (dotted) {
      const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
      return socksAddress(`${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`);
    }
    const [head = "", tail = ""] = host.split("::");
    const h = head ? head.split(":") : [];
    const t = tail ? tail.split(":") : [];
    const groups = host.includes("::") ? [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t] : h;
    const out = new Uint8Array(17);
    out[0] = 4;
    groups.forEach((g, i) => {
      const n = Number.parseInt(g || "0", 16);
      out[1 + 2 * i] = n >> 8;
      out[2 + 2 * i] = n & 0xff;
    });
    return out;
  }
  const name = new TextEncoder().encode(host);
  if (name.length > 255) throw new TransportError("PROXY", `host name too long for SOCKS5: ${host.slice(0, 40)}…`);
  return Uint8Array.of(3, name.length, ...name);
}

/** The CONNECT request for host:port. */
export function socksConnectRequest(host: string, port: number): Uint8Array {
  return Uint8Array.of(5, 1, 0, ...socksAddress(host), port >> 8, port & 0xff);
}

/** Length of a complete CONNECT reply at the start of `buf`, or 0 while incomplete. */
export function socksReplyLength(buf: Uint8Array): number {
  if (buf.length < 5) return 0;
  const atyp = buf[3];
  const addr = atyp === 1 ? 4 : atyp === 4 ? 16 : atyp === 3 ? 1 + buf[4]! : -1;
  if (addr < 0) throw new TransportError("PROXY", `malformed SOCKS5 reply (address type ${atyp})`);
  const n = 4 + addr + 2;
  return buf.length >= n ? n : 0;
}

type Stage = "method" | "auth" | "connect" | "done";

/**
 * The socket's owner while the SOCKS5 exchange runs. `target` is what the proxy is asked to reach (an
 * address for socks5://, the name for socks5h://); `tunnel(socket, rest)` once the proxy connected it.
 */
export class Socks5Sink implements SocketSink {
  private buf = new Uint8Array(0);
  private stage: Stage = "method";
  private socket: SinkSocket | undefined;
  private readonly user: string;
  private readonly pass: string;

  constructor(
    private readonly proxy: URL,
    private readonly target: string,
    private readonly port: number,
    private readonly tunnel: (socket: SinkSocket, rest: Uint8Array) => void,
    private readonly fail: (err: Error) => void,
  ) {
    this.user = decodeURIComponent(proxy.username);
    this.pass = decodeURIComponent(proxy.password);
  }

  private get where(): string {
    return `SOCKS5 proxy ${redact(this.proxy)}: CONNECT ${formatAddr(this.target, this.port)}`;
  }

  onOpen(socket: SinkSocket): void {
    this.socket = socket;
    socket.write(this.user || this.pass ? Uint8Array.of(5, 2, METHOD_NONE, METHOD_USERPASS) : Uint8Array.of(5, 1, METHOD_NONE));
  }

  onData(view: Uint8Array): void {
    if (this.stage === "done" || !this.socket) return;
    const joined = new Uint8Array(this.buf.length + view.length);
    joined.set(this.buf);
    joined.set(view, this.buf.length);
    this.buf = joined;
    try {
      this.step();
    } catch (err) {
      this.failWith(err instanceof TransportError ? err : new TransportError("PROXY", `${this.where}: ${(err as Error).message}`));
    }
  }

  /** Advance through as many stages as the buffered bytes allow. */
  private step(): void {
    const s = this.socket!;
    if (this.stage === "method") {
      if (this.buf.length < 2) return;
      const [ver, method] = [this.buf[0], this.buf[1]];
      if (ver !== 5) throw new TransportError("PROXY", `${this.where}: not a SOCKS5 proxy (reply version ${ver})`);
      this.buf = this.buf.subarray(2);
      if (method === METHOD_USERPASS && (this.user || this.pass)) {
        const u = new TextEncoder().encode(this.user);
        const p = new TextEncoder().encode(this.pass);
        if (u.length > 255 || p.length > 255) throw new TransportError("PROXY", `${this.where}: user or password longer than 255 bytes`);
        s.write(Uint8Array.of(1, u.length, ...u, p.length, ...p));
        this.stage = "auth";
      } else if (method === METHOD_NONE) {
        s.write(socksConnectRequest(this.target, this.port));
        this.stage = "connect";
      } else {
        const why = method === NO_METHOD ? (this.user || this.pass ? "no acceptable authentication method" : "the proxy requires authentication (socks5://user:password@host:port)") : `unsupported method ${method}`;
        throw new TransportError("PROXY", `${this.where} refused: ${why}`);
      }
    }
    if (this.stage === "auth") {
      if (this.buf.length < 2) return;
      if (this.buf[1] !== 0) throw new TransportError("PROXY", `${this.where} refused: authentication failed (wrong user or password; status ${this.buf[1]})`);
      this.buf = this.buf.subarray(2);
      s.write(socksConnectRequest(this.target, this.port));
      this.stage = "connect";
    }
    if (this.stage === "connect") {
      if (this.buf.length >= 2 && this.buf[1] !== 0) {
        const rep = this.buf[1]!;
        throw new TransportError("PROXY", `${this.where} refused: ${REPLIES[rep] ?? "unknown reply"} (reply ${rep})`);
      }
      const n = socksReplyLength(this.buf);
      if (n === 0) return;
      if (this.buf[0] !== 5) throw new TransportError("PROXY", `${this.where}: malformed reply (version ${this.buf[0]})`);
      this.stage = "done";
      this.tunnel(s, this.buf.subarray(n));
    }
  }

  onDrain(): void {}
  onEnd(): void {
    this.onClose();
  }

  onClose(err?: Error): void {
    if (this.stage === "done") return;
    const stage = this.stage;
    this.stage = "done";
    const during = stage === "method" ? "greeting" : stage === "auth" ? "authentication" : "CONNECT";
    this.fail(new TransportError("PROXY", `${this.where}: the proxy closed the connection during the ${during}${err ? ` (${err.message})` : ""}`, err ? { cause: err } : undefined));
  }

  onError(err: Error): void {
    this.onClose(err);
  }

  private failWith(err: Error): void {
    this.stage = "done";
    this.fail(err);
    this.socket?.terminate();
  }
}
