/**
 * The options of connect()/listen() (and of the CLI, which builds the same object from argv), their one
 * set of defaults and limits, and their validation: an unknown key or a bad value is a ConfigError
 * (code EOPTION) thrown before anything opens — as yamux verifies its config.
 */
import { ConfigError, quote } from "../contract/errors.ts";
import type { Trace } from "../contract/trace.ts";
import type { Transport, TransportOptions } from "../contract/transport.ts";
import { DEFAULT_MAX_PAYLOAD, MAX_PAYLOAD_LIMIT } from "../core/frame.ts";
import { type AcceptLimits, DEFAULT_ACCEPT_LIMITS } from "../core/admission.ts";
import { MemoryBudget } from "../core/memory-budget.ts";
import { DEFAULT_OPTIONS, type SessionOptions } from "../core/options.ts";
import type { SchedulerName } from "../core/scheduler.ts";
import { TransportRegistry } from "../paths/registry.ts";
import { builtinTransports } from "../../transports/index.ts";

export type { SchedulerName };

export interface BondOptions extends TransportOptions {
  /** Subflows per endpoint (default 1). */
  multiplier?: number;
  /** Endpoints used only while no primary subflow is up. */
  backup?: readonly (string | URL)[];
  /** Extra transports (third-party plugins) next to the built-in ones, or a registry to use as is. */
  transports?: Transport[] | TransportRegistry;
  /** Engine tunables (chunk size, buffers, timeouts, secret …). */
  session?: Partial<Omit<SessionOptions, "trace">>;
  /** Dial each endpoint from every usable local address on multi-homed hosts (default true). */
  autoDetect?: boolean;
  /** Dial every address of a name, not only its first IPv4 and first IPv6 address (default false). */
  allAddresses?: boolean;
  /** Dial timeout per subflow, ms (default 10 s). */
  dialTimeoutMs?: number;
  /** Aborts the dial (connect rejects) or the live session (it ends with an error); closes a listener. */
  signal?: AbortSignal;
  /**
   * "v0": the original (Go) bondcat's wire format (docs/PROTOCOL.md appendix A). Dialing: speak v0.
   * Listening: accept v0 dialers beside v1 ones (refused anyway when a secret is set: v0 cannot authenticate).
   */
  compat?: "v0";
  /** Listening: what strangers may hold (handshake deadline, pending handshakes, sessions; docs/SECURITY.md). */
  limits?: Partial<AcceptLimits>;
  /**
   * Protocol tracing: called with a subflow's name and one line per frame sent or received, handshake
   * step and doubt/stall/resend decision (the CLI's -vv). Peer text in it is escaped. Off by default.
   */
  trace?: Trace;
}

/** The defaults, in one place (the CLI's help text and flags use them too). */
export const DEFAULTS = {
  multiplier: 1,
  autoDetect: true,
  allAddresses: false,
  dialTimeoutMs: 10_000,
  chunkSize: DEFAULT_OPTIONS.chunkSize,
  sendBuffer: DEFAULT_OPTIONS.sendBuffer,
  recvWindow: DEFAULT_OPTIONS.recvWindow,
  scheduler: DEFAULT_OPTIONS.scheduler,
} as const;

/** Inclusive bounds. */
export const LIMITS = {
  multiplier: [1, 64],
  /** Upper bound: the protocol's default maximum frame payload. */
  chunkSize: [1024, DEFAULT_MAX_PAYLOAD],
  sendBuffer: [64 * 1024, 1024 * 1024 * 1024],
  recvWindow: [64 * 1024, 1024 * 1024 * 1024],
  dialTimeoutMs: [1, 3_600_000],
  /** Timers of the engine (heartbeat, dead-after, grace, linger, handshake). */
  timerMs: [1, 24 * 3_600_000],
} as const satisfies Record<string, readonly [number, number]>;

/** Options after validation, with every default filled in. */
export interface ResolvedOptions {
  multiplier: number;
  backup: readonly (string | URL)[];
  autoDetect: boolean;
  allAddresses: boolean;
  family?: 4 | 6;
  dialTimeoutMs: number;
  registry: TransportRegistry;
  session: SessionOptions;
  transport: TransportOptions;
  limits: AcceptLimits;
  signal?: AbortSignal;
  compat?: "v0";
}

type Check = (v: unknown) => string | null;

const isInt = (lo: number, hi: number): Check => (v) =>
  typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi ? null : `an integer in ${lo}…${hi}`;
const isNum = (lo: number, hi: number): Check => (v) =>
  typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi ? null : `a number in ${lo}…${hi}`;
const isStr: Check = (v) => (typeof v === "string" ? null : "a string");
const isBool: Check = (v) => (typeof v === "boolean" ? null : "true or false");
const isStrList: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === "string") ? null : "an array of strings");
const isEndpointList: Check = (v) =>
  Array.isArray(v) && v.every((x) => typeof x === "string" || x instanceof URL) ? null : "an array of endpoints";
const isHeaders: Check = (v) =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string")
    ? null
    : "an object of string values";
const oneOf = (...xs: unknown[]): Check => (v) => (xs.includes(v) ? null : `one of ${xs.map(String).join(", ")}`);

const TRANSPORT_KEYS: Record<keyof TransportOptions, Check> = {
  ca: isStr,
  cert: isStr,
  key: isStr,
  insecure: isBool,
  pin: isStrList,
  servername: isStr,
  requestCert: isBool,
  proxy: (v) => (v === null || typeof v === "string" ? null : "a URL string or null"),
  headers: isHeaders,
  localAddress: isStr,
  address: isStr,
  family: oneOf(4, 6),
  proxyProtocol: isBool,
};

const TOP_KEYS: Record<Exclude<keyof BondOptions, keyof TransportOptions>, Check> = {
  multiplier: isInt(...LIMITS.multiplier),
  backup: isEndpointList,
  transports: (v) =>
    v instanceof TransportRegistry || (Array.isArray(v) && v.every((t) => typeof t === "object" && t !== null))
      ? null
      : "an array of transports or a TransportRegistry",
  session: (v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? null : "an object"),
  autoDetect: isBool,
  allAddresses: isBool,
  dialTimeoutMs: isNum(...LIMITS.dialTimeoutMs),
  signal: (v) => (v instanceof AbortSignal ? null : "an AbortSignal"),
  compat: oneOf("v0"),
  limits: (v) => (typeof v === "object" && v !== null && !Array.isArray(v) ? null : "an object"),
  trace: (v) => (typeof v === "function" ? null : "a function"),
};

const LIMIT_KEYS: Record<keyof AcceptLimits, Check> = {
  handshakeMs: isNum(...LIMITS.timerMs),
  maxPending: isInt(1, 1_000_000),
  maxPendingPerAddr: isInt(1, 1_000_000),
  maxSessions: isInt(1, 1_000_000),
  maxSessionsPerAddr: isInt(1, 1_000_000),
  refusedLingerMs: isNum(0, LIMITS.timerMs[1]),
};

const SESSION_KEYS: Record<Exclude<keyof SessionOptions, "trace">, Check> = {
  chunkSize: isInt(...LIMITS.chunkSize),
  maxPayload: isInt(1024, MAX_PAYLOAD_LIMIT),
  sendBuffer: isInt(...LIMITS.sendBuffer),
  recvWindow: isInt(...LIMITS.recvWindow),
  heartbeatMs: isNum(...LIMITS.timerMs),
  deadAfterMs: isNum(...LIMITS.timerMs),
  graceMs: isNum(...LIMITS.timerMs),
  quietGraceMs: isNum(...LIMITS.timerMs),
  lingerMs: isNum(0, LIMITS.timerMs[1]),
  handshakeMs: isNum(...LIMITS.timerMs),
  scheduler: oneOf("default", "redundant"),
  secret: isStr,
  budget: (v) => (v instanceof MemoryBudget ? null : "a MemoryBudget"),
  maxQueue: isInt(64 * 1024, 1024 * 1024 * 1024),
  now: (v) => (typeof v === "function" ? null : "a function"),
};

function fail(where: string, why: string): never {
  throw new ConfigError("EOPTION", `${where}: ${why}`);
}

function checkKeys(o: object, table: Record<string, Check>, prefix: string): void {
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue;
    const check = table[k];
    if (check === undefined) fail(`${prefix}${k}`, `unknown option (known: ${Object.keys(table).sort().join(", ")})`);
    const why = check(v);
    if (why !== null) fail(`${prefix}${k}`, `expected ${why}, got ${quote(describe(v))}`);
  }
}

function describe(v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || v === null) return String(v);
  return Array.isArray(v) ? "an array" : typeof v;
}

/** Validate and fill in defaults. Throws ConfigError (code EOPTION) naming the first bad option. */
export function resolveOptions(o: BondOptions = {}): ResolvedOptions {
  if (typeof o !== "object" || o === null || Array.isArray(o)) fail("options", "expected an object");
  checkKeys(o, { ...TRANSPORT_KEYS, ...TOP_KEYS }, "");
  checkKeys(o.session ?? {}, SESSION_KEYS, "session.");
  checkKeys(o.limits ?? {}, LIMIT_KEYS, "limits.");
  const limits: AcceptLimits = { ...DEFAULT_ACCEPT_LIMITS };
  for (const [k, v] of Object.entries(o.limits ?? {})) if (v !== undefined) (limits as unknown as Record<string, unknown>)[k] = v;
  const session: SessionOptions = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(o.session ?? {})) if (v !== undefined) (session as unknown as Record<string, unknown>)[k] = v;
  if (o.trace !== undefined) session.trace = o.trace;
  if (session.chunkSize > session.maxPayload) fail("session.chunkSize", `must be at most session.maxPayload (${session.maxPayload})`);
  if (session.sendBuffer < session.chunkSize) fail("session.sendBuffer", `must be at least session.chunkSize (${session.chunkSize})`);
  if (session.recvWindow < session.chunkSize) fail("session.recvWindow", `must be at least session.chunkSize (${session.chunkSize})`);
  const transport: TransportOptions = {};
  for (const k of Object.keys(TRANSPORT_KEYS) as (keyof TransportOptions)[]) {
    if (o[k] !== undefined) (transport as Record<string, unknown>)[k] = o[k];
  }
  const out: ResolvedOptions = {
    multiplier: o.multiplier ?? DEFAULTS.multiplier,
    backup: o.backup ?? [],
    autoDetect: o.autoDetect ?? DEFAULTS.autoDetect,
    allAddresses: o.allAddresses ?? DEFAULTS.allAddresses,
    dialTimeoutMs: o.dialTimeoutMs ?? DEFAULTS.dialTimeoutMs,
    registry: registryOf(o.transports),
    session,
    transport,
    limits,
  };
  if (o.family !== undefined) out.family = o.family;
  if (o.signal !== undefined) out.signal = o.signal;
  if (o.compat !== undefined) out.compat = o.compat;
  return out;
}

function registryOf(t: BondOptions["transports"]): TransportRegistry {
  if (t instanceof TransportRegistry) return t;
  const r = new TransportRegistry(builtinTransports());
  for (const x of t ?? []) r.register(x);
  return r;
}
