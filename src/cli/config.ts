/**
 * The validated configuration the CLI hands to the modes. Plain data: URLs, numbers, file paths
 * (never file contents — the composition root reads them).
 */
import { totalmem } from "node:os";
import { DEFAULTS as API_DEFAULTS, LIMITS as API_LIMITS, type SchedulerName } from "../api/index.ts";

export type Mode = "connect" | "listen";
export type { SchedulerName };

export interface TlsConfig {
  /** Listen: server certificate / key files (PEM). Both or neither. */
  cert?: string;
  key?: string;
  /** CA bundle file: verifies the server (connect) or client certificates (listen + requireClientCert). */
  ca?: string;
  /** Connect: skip server certificate verification. */
  insecure: boolean;
  /** Connect: accepted certificate fingerprints, normalised to "sha256:" + 64 lower-case hex digits. */
  pins: string[];
  /** Connect: SNI / expected server name. */
  servername?: string;
  /** Connect: client certificate / key files (PEM). Both or neither. */
  clientCert?: string;
  clientKey?: string;
  /** Listen: require client certificates verified against `ca`. */
  requireClientCert: boolean;
}

export interface StatsConfig {
  intervalMs: number;
  json: boolean;
}

export interface Config {
  mode: Mode;
  /** Connect mode: primary endpoints, in command-line order (empty in listen mode). */
  endpoints: URL[];
  /** Listen mode: addresses to bind (port 0 = pick a free one). Empty in connect mode. */
  listen: URL[];
  /** Connect mode: endpoints used only while no primary path is up. */
  backup: URL[];
  /** Subflows per endpoint (and per local address when auto-detecting), 1-64. */
  multiplier: number;
  /** 0 = default (info), 1 = debug, 2+ = trace. */
  verbose: number;
  /** Listen mode: keep accepting sessions after one ends. */
  keepOpen: boolean;
  /** Listen mode: every connection starts with a PROXY protocol header naming the real client. */
  proxyProtocol?: boolean;
  /** Connect the session to this plain TCP endpoint instead of stdio (tcp:// URL). */
  relay?: URL;
  /** Connect the session to this program instead of stdio: argv, split shell-like, run without a shell. */
  exec?: string[];
  /** Stdio mode: --recv-only (never read stdin) or --send-only (discard what arrives). */
  direction?: "recv-only" | "send-only";
  /** Benchmark mode: send/discard zeros, report throughput. */
  benchmark: boolean;
  /** Benchmark mode: stop sending after this long; undefined = until Ctrl-C or the peer stops. */
  benchmarkDurationMs?: number;
  /** Close the session after this long without data; undefined = never. */
  idleTimeoutMs?: number;
  /** Periodic statistics on stderr; undefined = off. */
  stats?: StatsConfig;
  /** Restrict to one address family (-4 / -6). */
  family?: 4 | 6;
  /** Use every local address (dial from each, bind each); false with -a / --no-auto-detect. */
  autoDetect: boolean;
  /** Dial every address of a name (--all-addresses), not only the first of each family. */
  allAddresses: boolean;
  tls: TlsConfig;
  /** Proxy URL; null = never use a proxy (ignore *_PROXY); undefined = environment decides. */
  proxy?: string | null;
  /** Extra WebSocket request headers; repeated names are joined with ", ". */
  headers: Record<string, string>;
  /** --compat v0: listen: accept the original bondcat's v0 dialers too; connect: speak v0. */
  compat?: "v0";
  /** Pre-shared secret (--secret or BONDCAT_SECRET). */
  secret?: string;
  /** Listen mode: what strangers may hold (docs/SECURITY.md); unset fields keep the engine's defaults. */
  limits: ListenLimits;
  /** --secret-file: read by the composition root (main.ts) into `secret` before anything opens. */
  secretFile?: string;
  scheduler: SchedulerName;
  /** Largest data frame payload, bytes. */
  chunkSize: number;
  /** Unacknowledged bytes kept for reinjection (bounded send buffer = backpressure), bytes. */
  sendBuffer: number;
  /** Receive window (reorder buffer bound) advertised to the peer, bytes. */
  recvWindow: number;
  /** Bytes every session of the process together may buffer (--max-memory; the engine's MemoryBudget). */
  maxMemory: number;
}

export interface ListenLimits {
  maxSessions?: number;
  maxSessionsPerAddr?: number;
  maxPending?: number;
  maxPendingPerAddr?: number;
  handshakeMs?: number;
}

/** Defaults for values the user did not give (the library's, plus the CLI's own). */
export const DEFAULTS = {
  ...API_DEFAULTS,
  statsIntervalMs: 1000,
  /** --max-memory: 1 GiB, or a quarter of the machine's memory when that is less. */
  maxMemory: Math.min(1024 * 1024 * 1024, Math.floor(totalmem() / 4)),
} as const;

/** Inclusive bounds checked by the parser. */
export const LIMITS = {
  multiplier: API_LIMITS.multiplier,
  chunkSize: API_LIMITS.chunkSize,
  sendBuffer: API_LIMITS.sendBuffer,
  recvWindow: API_LIMITS.recvWindow,
  maxMemory: [16 * 1024 * 1024, 1024 ** 4],
  statsIntervalMs: [100, 24 * 3_600_000],
  idleTimeoutMs: [0, 7 * 24 * 3_600_000],
  benchmarkDurationMs: [100, 7 * 24 * 3_600_000],
  maxSessions: [1, 1_000_000],
  maxPending: [1, 1_000_000],
  handshakeMs: [100, 600_000],
} as const satisfies Record<string, readonly [number, number]>;

/** Environment variables the CLI reads. */
export const ENV_SECRET = "BONDCAT_SECRET";
