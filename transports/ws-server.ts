/**
 * ws:// and wss:// listener on Bun.serve (uWebSockets inside Bun): measured faster than the `ws`
 * package's WebSocketServer under Bun (1.4.5, loopback, 512 MiB: server→client 893 vs 825 MB/s,
 * client→server 615 vs 583 MB/s) and it gives exact backpressure (send() = -1, then `drain`).
 *
 * Facts relied on: `send()` returns -1 when the message was queued over backpressure (keep going
 * only after `drain`), 0 when dropped (closed connection, or over `backpressureLimit`), else the
 * bytes sent; every binary `message` is a fresh Buffer (views are handed on without a copy).
 * `idleTimeout: 0`: the engine's heartbeats decide liveness, not the server.
 *
 * Bun.serve shows a connection only once its HTTP request is complete, and its idleTimeout closed
 * neither a silent connection nor a half-sent request (Bun 1.4.5): so it always listens on loopback
 * behind a front (proxy-front.ts) that holds each connection under an UpgradeGate ticket (handshake
 * deadline from TCP accept, pending caps, byte cap) until `fetch` upgrades it.
 */
import type { Server, ServerWebSocket } from "bun";
import { TransportError } from "../src/contract/errors.ts";
import { noteAccept } from "./fd-guard.ts";
import { serveGuarded } from "./guarded-listen.ts";
import { SESSION_HEADER, SESSION_ID_RE } from "./session-header.ts";
import type { ProxyFront } from "./proxy-front.ts";
import { serverTls } from "./tls-options.ts";
import { PRE_UPGRADE_BYTES, UpgradeGate } from "./upgrade-gate.ts";
import { listenerCount } from "./guarded-listen.ts";
import type { Listener, ListenOptions, Pipe, PipeInfo } from "../src/contract/transport.ts";
import { MAX_INCOMING_MESSAGE, WsPipe } from "./ws-pipe.ts";
import { formatAddr, unbracket, urlPort } from "../src/contract/address.ts";

/** Answered 200 on every ws listener (unless it is the WebSocket path itself): DEPLOY.md health checks. */
export const HEALTH_PATH = "/healthz";

interface SocketData {
  pipe: WsServerPipe | null;
  info: PipeInfo;
}

class WsServerPipe extends WsPipe {
  constructor(
    private readonly ws: ServerWebSocket<SocketData>,
    info: PipeInfo,
  ) {
    super(info);
  }

  protected sendMessage(bytes: Uint8Array): boolean {
    return this.ws.send(bytes) > 0;
  }

  protected bufferedAmount(): number {
    return this.ws.getBufferedAmount();
  }

  protected closeSocket(): void {
    this.ws.close(1000);
  }

  protected terminateSocket(): void {
    this.ws.terminate();
  }

  /** Pipe.pauseReading: the engine decodes a flood of tiny frames over several turns (read-pacer.ts). */
  pauseReading(): void {
    this.ws.pause();
  }

  resumeReading(): void {
    this.ws.resume();
  }

  message(m: string | Buffer): void {
    if (typeof m === "string") this.onText();
    else this.onMessage(m);
  }

  drain(): void {
    this.onSocketDrain();
  }

  closed(code: number, reason: string): void {
    this.onSocketClose(code, reason);
  }
}

export async function listenWs(url: URL, opts: ListenOptions, onPipe: (pipe: Pipe) => void): Promise<Listener> {
  const secure = url.protocol === "wss:";
  const transport = secure ? "wss" : "ws";
  const host = unbracket(url.hostname);
  const hostname = host || "0.0.0.0";
  const port = urlPort(url); // ws://h/b listens on 80, wss://h/b on 443, as a dialer expects
  const path = url.pathname === "" ? "/" : url.pathname;
  const where = `${transport} listen ${formatAddr(hostname, port)}${path}`;
  if (opts.signal?.aborted) throw new TransportError("ABORTED", `${where}: aborted`);
  const tls = secure ? serverTls(opts, [host], where) : null;
  let localAddr = formatAddr(hostname, port);
  // Bun.serve listens on loopback behind a front that enforces the pre-upgrade limits (and reads the PROXY header).
  let front: ProxyFront | null = null;
  let boundPort = 0;
  const handshakeMs = opts.handshakeMs ?? 10_000;
  const gate = new UpgradeGate({ ms: handshakeMs, maxBytes: PRE_UPGRADE_BYTES }, listenerCount(opts), (from, err) => opts.rejected?.(from, err));
  const start = (): Server<SocketData> => {
    const srv = Bun.serve<SocketData>({
      hostname: "127.0.0.1",
      port: boundPort,
      ...(tls ? { tls: tls.options } : {}),
      // Bun's own idle timeout (seconds) for kept-alive connections; the front's gate is what holds.
      idleTimeout: Math.min(255, Math.max(1, Math.ceil(handshakeMs / 1000))),
      fetch(req, srv) {
        noteAccept();
        const ip = srv.requestIP(req);
        const loopback = ip ? formatAddr(ip.address, ip.port) : "?"; // the front's splice (or a local client)
        const answer = (body: string, status: number, headers?: Record<string, string>): Response => {
          front?.answered(loopback);
          return new Response(body, { status, headers });
        };
        // A request without Host (HTTP/1.0, e.g. HAProxy's httpchk) has a relative url here.
        const reqPath = new URL(req.url, "http://host.invalid").pathname;
        const upgrade = req.headers.get("upgrade")?.toLowerCase() === "websocket";
        // A balancer's health check: answered, never logged (a GET on the path gets 426 below).
        if (reqPath === HEALTH_PATH && path !== HEALTH_PATH && !upgrade) return answer("ok\n", 200);
        if (path !== "/" && reqPath !== path) return answer("not found\n", 404);
        if (!upgrade) return answer("bondcat: WebSocket endpoint\n", 426, { Upgrade: "websocket" });
        const details: Record<string, string> = { path: reqPath };
        const fwd = req.headers.get("x-forwarded-for");
        if (fwd) details.forwardedFor = fwd;
        const sid = req.headers.get(SESSION_HEADER);
        if (sid !== null && SESSION_ID_RE.test(sid)) details.session = sid;
        const info: PipeInfo = { transport, local: localAddr, remote: loopback, details, acceptedAt: performance.now() };
        const peer = front?.peerOf(loopback);
        if (peer) {
          if (peer.balancer !== undefined) details.balancer = peer.balancer;
          info.remote = peer.remote; // what logs, per-source limits and stats read
          info.acceptedAt = peer.acceptedAt ?? info.acceptedAt; // the handshake deadline runs on from the front's accept
        }
        if (srv.upgrade(req, { data: { pipe: null, info } })) {
          front?.upgraded(loopback);
          return undefined;
        }
        return answer("upgrade failed\n", 400);
      },
      websocket: {
        perMessageDeflate: false,
        maxPayloadLength: MAX_INCOMING_MESSAGE,
        backpressureLimit: 256 << 20,
        closeOnBackpressureLimit: false,
        idleTimeout: 0,
        sendPings: false,
        open(ws) {
          const pipe = new WsServerPipe(ws, ws.data.info);
          ws.data.pipe = pipe;
          try {
            onPipe(pipe);
          } catch (err) {
            pipe.abort(err instanceof Error ? err : new Error(String(err)));
          }
        },
        message: (ws, m) => ws.data.pipe?.message(m),
        drain: (ws) => ws.data.pipe?.drain(),
        close: (ws, code, reason) => ws.data.pipe?.closed(code, reason),
      },
    });
    boundPort = srv.port ?? boundPort; // a re-listen after descriptor pressure takes the same port
    return srv;
  };
  const served = serveGuarded(start, (srv) => void srv.stop(false), () => boundPort, opts, where, { hostname, port }, gate);
  front = served.front;
  localAddr = formatAddr(hostname, served.port);
  const bound = new URL(`${url.protocol}//${localAddr}${path === "/" ? "" : path}`);
  return { url: bound, port: served.port, notes: tls ? tls.notes : [], close: served.close };
}
