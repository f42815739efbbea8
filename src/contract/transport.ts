/**
 * The transport-plugin contract. A transport is a plain object made by a factory:
 * it turns a URL into a byte pipe (dial) and accepts byte pipes (listen).
 * The engine (src/core) never imports a transport; the composition layer (src/api) builds a registry
 * of transports and hands the engine pipes. Plugins import src/contract/ only.
 */
import type { Pipe } from "./pipe.ts";
import type { PendingCount } from "./pending-count.ts";

export type { Pipe, PipeHandler, PipeInfo } from "./pipe.ts";

/** Options shared by all transports. Transports ignore what they do not understand. */
export interface TransportOptions {
  /** TLS: PEM text (not paths; the CLI reads the files). */
  ca?: string;
  cert?: string;
  key?: string;
  /** Skip certificate verification (client). */
  insecure?: boolean;
  /** Pin the peer certificate: "sha256:HEX" (colons allowed in HEX). */
  pin?: string[];
  /** TLS SNI / expected server name override. */
  servername?: string;
  /** Server: require and verify client certificates against `ca`. */
  requestCert?: boolean;
  /** HTTP CONNECT / SOCKS proxy URL, or null to force a direct connection. Undefined → environment. */
  proxy?: string | null;
  /** WebSocket: extra request headers; Host override via a "Host" entry. */
  headers?: Record<string, string>;
  /** Local address to bind before connecting (source address selection). */
  localAddress?: string;
  /** Address family restriction: 4 or 6. */
  family?: 4 | 6;
  /**
   * Connect to this IP address instead of resolving the URL's host (the host still names the server:
   * TLS SNI and certificate check, WebSocket Host). Set per family of a dual-stack name.
   */
  address?: string;
  /**
   * Listen: every connection starts with a PROXY protocol v1/v2 header (a load balancer's
   * send-proxy / send-proxy-v2); the pipe's `info.remote` is the client it names. Never by default:
   * without a balancer in front, anyone could claim any address. Transports that cannot honour it
   * throw ConfigError from listen() (the built-in ones all honour it).
   */
  proxyProtocol?: boolean;
}

export interface DialOptions extends TransportOptions {
  signal?: AbortSignal;
  /**
   * The session this pipe will OPEN or JOIN, as 32 lowercase hex (the same for every subflow of one
   * session; not a secret). Transports that can carry it outside the bondcat handshake do, so a load
   * balancer can keep a session's subflows on one backend: ws/wss send it as `Bondcat-Session`.
   */
  sessionId?: string;
  /** Milliseconds until the dial fails with TransportError code "ETIMEDOUT". */
  timeoutMs?: number;
}

export interface ListenOptions extends TransportOptions {
  signal?: AbortSignal;
  /** A connection still in a transport-level handshake (TLS, WebSocket upgrade) this long after accept is dropped. */
  handshakeMs?: number;
  /** Transport-level handshakes (TLS, WebSocket upgrade) in progress at once per listener; more are dropped at accept. */
  maxPending?: number;
  /** The same from one source address (WebSocket upgrades, TLS handshakes). */
  maxPendingPerAddr?: number;
  /**
   * The server's count of connections in any handshake (its engine's included): when given, the
   * transport counts its own pending connections in it, under its caps, instead of maxPending and
   * maxPendingPerAddr, so the caps bound the transport's and the engine's handshakes together.
   */
  pending?: PendingCount;
  /**
   * A connection the transport dropped before it became a pipe (e.g. a malformed PROXY header), for
   * the caller's log. Code "EEMPTY": it closed without a byte (a health check), worth debug at most.
   */
  rejected?(remote: string, err: Error): void;
}

export interface Listener {
  /** The URL actually bound (port 0 replaced by the real port), e.g. "tcp://127.0.0.1:40123". */
  readonly url: URL;
  readonly port: number;
  /** Information worth printing once (e.g. a generated certificate's fingerprint). */
  readonly notes: string[];
  close(): Promise<void>;
}

export interface Transport {
  /** Short name, e.g. "tcp". */
  readonly name: string;
  /** URL schemes this transport handles, without ":" (e.g. ["ws", "wss"]). */
  readonly schemes: readonly string[];
  /**
   * Whether dial honours `localAddress`: clients on multi-homed hosts then dial such endpoints once
   * from each local address (auto-detection).
   */
  readonly bindsLocalAddress?: boolean;
  /** Whether dial honours `address`: a name with IPv4 and IPv6 addresses then gets a path per family. */
  readonly dialsAddress?: boolean;
  /** Open one pipe. Rejects with TransportError (codes: ECONNREFUSED, ENOTFOUND, ETIMEDOUT, TLS, PROXY, …). */
  dial(url: URL, opts: DialOptions): Promise<Pipe>;
  /** Accept pipes until closed. Rejects with TransportError (e.g. EADDRINUSE). */
  listen(url: URL, opts: ListenOptions, onPipe: (pipe: Pipe) => void): Promise<Listener>;
}
