/**
 * ws:// and wss:// client with the `ws` package API — under Bun that is Bun's implementation on its
 * native WebSocket client (C++ framing and masking; `proxy`, `tls`, `headers` handled natively).
 *
 * Backpressure: the native client buffers whatever it is given, so the pipe stops (write() → false)
 * once `bufferedAmount` would pass WS_HIGH_WATER, sending that message with a callback; Bun settles
 * such callbacks on the native `drain` when the buffer is empty, and that resumes the pipe.
 *
 * Pinning (--pin) on wss: Bun's client runs `checkServerIdentity` only after the chain verified, so
 * a pinned self-signed certificate is first fetched by a TLS probe (tls-options.ts checks the pin),
 * then trusted as the only CA of the WebSocket connection, whose checkServerIdentity compares the
 * fingerprint again (no window for a swapped certificate).
 */
import { lookup } from "node:dns/promises";
import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import WebSocket from "ws";
import { TransportError } from "../src/contract/errors.ts";
import { bracket, formatAddr, unbracket, urlPort } from "../src/contract/address.ts";
import { guardDial } from "./dial-guard.ts";
import { redact, resolveProxy } from "./proxy.ts";
import { SESSION_HEADER, SESSION_HEADER_NAME, SESSION_ID_RE } from "./session-header.ts";
import { dialSocket } from "./socket-dial.ts";
import { socksBridge } from "./socks-bridge.ts";
import { isSocks } from "./socks5.ts";
import { toTransportError } from "./socket-pipe.ts";
import { certError, clientTls, fingerprintOf, normalisePins, tlsFailure } from "./tls-options.ts";
import type { DialOptions, Pipe, PipeInfo } from "../src/contract/transport.ts";
import { MAX_INCOMING_MESSAGE, WsPipe } from "./ws-pipe.ts";

/** Pause writing once this much is buffered in the native client; resume at WS_LOW_WATER. */
export const WS_HIGH_WATER = 4 << 20;
export const WS_LOW_WATER = 1 << 20;
const POLL_MS = 2;


/**
 * Bun settles send callbacks only in a native `drain` that finds the buffer empty; if the last
 * drain comes while bytes are still buffered, the callbacks wait for a drain that never comes (seen
 * as a rare stall under load). So blocked pipes are also polled, by one shared timer that runs only
 * while some pipe is blocked.
 */
const blocked = new Set<WsClientPipe>();
let poller: ReturnType<typeof setInterval> | undefined;

function poll(): void {
  for (const p of blocked) p.pollDrain();
  if (blocked.size === 0 && poller !== undefined) {
    clearInterval(poller);
    poller = undefined;
  }
}

class WsClientPipe extends WsPipe {
  private readonly sent = (): void => this.resume();

  constructor(
    private readonly ws: WebSocket,
    info: PipeInfo,
  ) {
    super(info);
    ws.on("message", (m: Buffer, isBinary: boolean) => (isBinary ? this.onMessage(m) : this.onText()));
    ws.on("close", (code: number, reason: Buffer) => this.onSocketClose(code, reason.toString()));
    ws.on("error", (err: Error) => this.onSocketError(err));
  }

  protected sendMessage(bytes: Uint8Array): boolean {
    if (this.ws.bufferedAmount + bytes.length <= WS_HIGH_WATER) {
      this.ws.send(bytes);
      return true;
    }
    this.ws.send(bytes, this.sent);
    blocked.add(this);
    poller ??= setInterval(poll, POLL_MS);
    return false;
  }

  pollDrain(): void {
    if (this.ws.bufferedAmount <= WS_LOW_WATER || this.ws.readyState !== 1) this.resume();
  }

  private resume(): void {
    if (!blocked.delete(this)) return;
    this.onSocketDrain();
  }

  protected bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  protected closeSocket(): void {
    this.ws.close(1000);
  }

  protected terminateSocket(): void {
    blocked.delete(this);
    this.ws.terminate();
  }
}

const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO|ALTNAME|SSL|TLS|HANDSHAKE/i;

function dialError(err: Error, where: string, proxied: boolean): TransportError {
  const code = (err as { code?: string }).code ?? "";
  if (/^(ERR_TLS_CERT_ALTNAME_INVALID|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_|CERT_)/.test(code)) {
    return certError(where, err);
  }
  if (TLS_CODES.test(code)) return tlsFailure(where, err);
  const status = /Unexpected server response: (\d+)/.exec(err.message)?.[1];
  if (status) {
    const hint = status === "404" ? " (wrong path?)" : status === "426" || status === "400" ? " (not a WebSocket endpoint?)" : "";
    return new TransportError("EHTTP", `${where}: the server answered HTTP ${status} instead of upgrading${hint}`, { cause: err });
  }
  if (proxied && /proxy|407|403/i.test(err.message)) {
    const auth = /\b40[17]\b/.test(err.message) ? " (proxy authentication failed: --proxy http://user:pass@host:port)" : "";
    return new TransportError("PROXY", `${where}: ${err.message}${auth}`, { cause: err });
  }
  return toTransportError(err, proxied ? "PROXY" : "ECONNREFUSED", where);
}

/** TLS options for the native client, after a pin probe if pins are given. */
async function wssTls(url: URL, host: string, opts: DialOptions, proxy: URL | null, where: string): Promise<Record<string, unknown>> {
  const servername = opts.servername ?? host;
  const tls: Record<string, unknown> = { rejectUnauthorized: !opts.insecure, servername };
  if (opts.ca !== undefined) tls.ca = opts.ca;
  if (opts.cert !== undefined) tls.cert = opts.cert;
  if (opts.key !== undefined) tls.key = opts.key;
  const pins = normalisePins(opts.pin);
  if (pins.length === 0) return tls;
  let leaf: X509Certificate | undefined;
  const probeUrl = new URL(`tls://${url.hostname}:${urlPort(url)}`);
  const probeOpts: DialOptions = { ...opts, proxy: proxy ? proxy.href : null };
  const probe = await dialSocket("tls", probeUrl, probeOpts, clientTls(host, opts, where), (s) => {
    leaf = s.getPeerX509Certificate();
  });
  probe.abort(new TransportError("ABORTED", "certificate probe done"));
  if (!leaf) throw new TransportError("TLS", `${where}: the server sent no certificate`);
  if (leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey)) tls.ca = leaf.toString(); // pinned self-signed: the only trust anchor
  tls.rejectUnauthorized = true;
  tls.checkServerIdentity = (_name: string, cert: { raw?: Buffer }) => {
    const fp = cert.raw ? fingerprintOf(new X509Certificate(cert.raw)) : "none";
    return pins.includes(fp) ? undefined : new TransportError("TLS", `${where}: server certificate ${fp} matches no --pin`);
  };
  return tls;
}

/**
 * Request headers of the upgrade: the user's, then `Bondcat-Session` (DEPLOY.md: balancers hash on
 * it). Built here, before any proxy is chosen, so every route to the server carries it.
 */
export function upgradeHeaders(opts: DialOptions): Record<string, string> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.sessionId !== undefined) {
    if (!SESSION_ID_RE.test(opts.sessionId)) throw new TransportError("EBADURL", `session id ${JSON.stringify(opts.sessionId)} is not 32 lowercase hex digits`);
    for (const k of Object.keys(headers)) if (k.toLowerCase() === SESSION_HEADER) delete headers[k];
    headers[SESSION_HEADER_NAME] = opts.sessionId;
  }
  return headers;
}

export async function dialWs(url: URL, opts: DialOptions): Promise<Pipe> {
  const secure = url.protocol === "wss:";
  const transport = secure ? "wss" : "ws";
  const host = unbracket(url.hostname);
  if (host === "") throw new TransportError("EBADURL", `${url.href}: ${transport} needs a host`);
  const proxy = resolveProxy(url, opts.proxy);
  if (proxy && proxy.protocol !== "http:" && proxy.protocol !== "https:" && !isSocks(proxy)) {
    throw new TransportError("PROXY", `${transport} dial ${url.host}: only http://, https://, socks5:// and socks5h:// proxies are supported for ${transport}://, not ${proxy.protocol}//`);
  }
  const where = `${transport} dial ${url.host}${url.pathname === "/" ? "" : url.pathname}${proxy ? ` via ${redact(proxy)}` : ""}`;
  const headers = upgradeHeaders(opts);
  let target = url;
  if ((opts.address || opts.family) && isIP(host) === 0 && !proxy) {
    const ip = opts.address ?? (await lookup(host, { family: opts.family }).catch((err: unknown) => {
      throw toTransportError(err, "ENOTFOUND", where);
    })).address;
    target = new URL(url.href);
    target.hostname = bracket(ip);
    if (!Object.keys(headers).some((k) => k.toLowerCase() === "host")) headers.Host = url.host;
  }
  const tls = secure ? await wssTls(url, host, opts, proxy, where) : undefined;
  // SOCKS5: the tunnel is opened first, then lent to the native client as a loopback CONNECT proxy.
  const bridge = proxy && isSocks(proxy) ? await socksBridge(proxy, host, urlPort(url), opts, where) : null;
  const wsProxy = bridge ? bridge.url : proxy?.href;
  return guardDial<Pipe>(where, opts, (attempt) => {
    const ws = new WebSocket(target.href, {
      perMessageDeflate: false,
      maxPayload: MAX_INCOMING_MESSAGE,
      headers,
      ...(wsProxy ? { proxy: wsProxy } : {}),
      ...(tls ? { tls } : {}),
    });
    ws.binaryType = "nodebuffer";
    const onError = (err: Error) => {
      bridge?.close();
      attempt.fail(dialError(err, where, proxy !== null));
    };
    ws.once("error", onError);
    ws.once("open", () => {
      bridge?.stopListening();
      ws.off("error", onError);
      const sock = ws._socket;
      const remote = proxy ? `${url.host} via ${redact(proxy)}` : sock?.remoteAddress ? formatAddr(sock.remoteAddress, sock.remotePort ?? 0) : url.host;
      const details: Record<string, string> = { url: url.href };
      if (proxy) details.proxy = redact(proxy);
      attempt.ok(new WsClientPipe(ws, { transport, local: "?", remote, details }));
    });
    return () => {
      ws.terminate();
      bridge?.close();
    };
  });
}
