/**
 * Proxies for every transport: which proxy a URL uses (explicit --proxy, else the environment), and
 * the HTTP CONNECT exchange on a Bun socket (tcp/tls; ws/wss hand the proxy to Bun's WebSocket).
 *
 * Environment (via proxy-from-env, the package axios uses for the same job: NO_PROXY with
 * wildcards, ports and "*", lower- and upper-case names):
 *   ws://  → HTTP_PROXY,  wss:// and tls:// → HTTPS_PROXY,  tcp:// → TCP_PROXY;  all fall back to ALL_PROXY.
 * An explicit proxy (--proxy) applies to every endpoint; `null` (--proxy none) means never.
 */
import { getProxyForUrl } from "proxy-from-env";
import { TransportError } from "../src/contract/errors.ts";
import { type SinkSocket, type SocketSink, toTransportError } from "./socket-pipe.ts";
import { formatAddr, unbracket } from "../src/contract/address.ts";

/** Which environment variable family a transport scheme follows. */
const ENV_SCHEME: Readonly<Record<string, string>> = { ws: "http", wss: "https", tls: "https", tcp: "tcp" };

/** The proxy for `url`, or null for a direct connection. Throws TransportError "PROXY" for a bad proxy URL. */
export function resolveProxy(url: URL, explicit: string | null | undefined): URL | null {
  if (explicit === null) return null;
  let text = explicit;
  if (text === undefined) {
    const scheme = url.protocol.slice(0, -1);
    const envScheme = ENV_SCHEME[scheme] ?? scheme;
    text = getProxyForUrl(`${envScheme}://${url.host}`);
    if (text === "") return null;
  }
  let proxy: URL;
  try {
    proxy = new URL(text.includes("://") ? text : `http://${text}`);
  } catch {
    throw new TransportError("PROXY", `invalid proxy URL '${redact(text)}'`);
  }
  if (proxy.hostname === "") throw new TransportError("PROXY", `proxy URL '${redact(text)}' has no host`);
  return proxy;
}

/** The proxy URL without credentials, for logs and stats. */
export function redact(proxy: URL | string): string {
  try {
    const u = new URL(String(proxy));
    if (u.username || u.password) {
      u.username = "";
      u.password = "";
    }
    return u.href.replace(/\/$/, "");
  } catch {
    return String(proxy).replace(/\/\/[^@/]*@/, "//");
  }
}

export function proxyHostPort(proxy: URL): { host: string; port: number } {
  const host = unbracket(proxy.hostname);
  const port = proxy.port !== "" ? Number(proxy.port) : proxy.protocol === "https:" ? 443 : proxy.protocol.startsWith("socks") ? 1080 : 80;
  return { host, port };
}

/** The CONNECT request for `host:port`, with Basic credentials from the proxy URL if it has some. */
export function connectRequest(proxy: URL, host: string, port: number): string {
  const target = formatAddr(host, port);
  const lines = [`CONNECT ${target} HTTP/1.1`, `Host: ${target}`];
  if (proxy.username || proxy.password) {
    const cred = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(cred, "utf8").toString("base64")}`);
  }
  return `${lines.join("\r\n")}\r\n\r\n`;
}

export interface ConnectReply {
  status: number;
  reason: string;
  /** Bytes after the header block (normally none). */
  rest: Uint8Array;
}

const MAX_REPLY_HEADER = 16 * 1024;

/** Parses the proxy's reply once the header block is complete; null while incomplete. */
export function parseConnectReply(buf: Uint8Array): ConnectReply | null {
  const end = Buffer.from(buf.buffer, buf.byteOffset, buf.length).indexOf("\r\n\r\n");
  if (end < 0) {
    if (buf.length > MAX_REPLY_HEADER) throw new TransportError("PROXY", "proxy reply header too long");
    return null;
  }
  const head = new TextDecoder().decode(buf.subarray(0, end));
  const m = /^HTTP\/\d(?:\.\d)?\s+(\d{3})\s*([^\r\n]*)/.exec(head);
  if (!m) throw new TransportError("PROXY", `not an HTTP proxy reply: '${head.split("\r\n")[0]?.slice(0, 60)}'`);
  return { status: Number(m[1]), reason: m[2] ?? "", rest: buf.subarray(end + 4) };
}

function proxyHint(status: number): string {
  if (status === 407 || status === 401) return " (proxy authentication failed: --proxy http://user:pass@host:port)";
  if (status === 403) return " (the proxy does not allow this target or port)";
  return "";
}

/**
 * The socket's owner while the CONNECT exchange runs. `tunnel(socket, rest)` is called once the proxy
 * answered 2xx; `fail(err)` on any failure (the socket is terminated).
 */
export class ConnectSink implements SocketSink {
  private buf = new Uint8Array(0);
  private finished = false;
  private socket: SinkSocket | undefined;

  constructor(
    private readonly proxy: URL,
    private readonly host: string,
    private readonly port: number,
    private readonly tunnel: (socket: SinkSocket, rest: Uint8Array) => void,
    private readonly fail: (err: Error) => void,
  ) {}

  private get where(): string {
    return `proxy ${redact(this.proxy)}: CONNECT ${formatAddr(this.host, this.port)}`;
  }

  onOpen(socket: SinkSocket): void {
    this.socket = socket;
    socket.write(connectRequest(this.proxy, this.host, this.port));
  }

  onData(view: Uint8Array): void {
    if (this.finished || !this.socket) return;
    const joined = new Uint8Array(this.buf.length + view.length);
    joined.set(this.buf);
    joined.set(view, this.buf.length);
    this.buf = joined;
    let reply: ConnectReply | null;
    try {
      reply = parseConnectReply(joined);
    } catch (err) {
      return this.failWith(new TransportError("PROXY", `${this.where}: ${(err as Error).message}`));
    }
    if (reply === null) return;
    if (reply.status < 200 || reply.status > 299) {
      return this.failWith(new TransportError("PROXY", `${this.where} refused: ${reply.status} ${reply.reason}${proxyHint(reply.status)}`));
    }
    this.finished = true;
    this.tunnel(this.socket, reply.rest);
  }

  onDrain(): void {}
  onEnd(): void {
    this.onClose();
  }

  onClose(err?: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.fail(err ? toTransportError(err, "PROXY", this.where) : new TransportError("PROXY", `${this.where}: the proxy closed the connection`));
  }

  onError(err: Error): void {
    this.onClose(err);
  }

  private failWith(err: Error): void {
    this.finished = true;
    this.fail(err);
    this.socket?.terminate();
  }
}
