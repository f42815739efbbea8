/**
 * bondcat's command line → a validated Config (or help/version text). Parsing only: nothing here
 * opens a socket or reads a file. Every problem is a ConfigError (exit code 2) with a one-line message:
 *   EUNKNOWN_OPTION, EMISSING_VALUE, EINVALID_VALUE, ECONFLICT, EUSAGE, EENDPOINT.
 * Flag spellings and tokenizing: flags.ts / tokenize.ts. Help text: help.ts.
 *
 * Decisions (also in `--help`):
 * - A repeated single-value flag: last wins (as Go's flag package); lists accumulate.
 * - `-l` alone listens on tcp://[::]:0 (dual-stack; `-4` → 0.0.0.0); `-p PORT` → tcp://[::]:PORT.
 *   `--listen URL` adds addresses; `-p` together with `--listen` adds the tcp one as well.
 * - `-a` / `--no-auto-detect` turns local-address auto-detection off (as the original's -a).
 * - Options of the other mode are errors, not silently ignored (e.g. `--backup` with `-l`).
 * - `--relay`, `--exec` and `--benchmark` replace stdio and exclude each other; they work in both modes.
 */
import { quote } from "../contract/errors.ts";
import { parseEndpoint } from "../paths/endpoint.ts";
import { type Config, DEFAULTS, ENV_SECRET, LIMITS, type SchedulerName, type StatsConfig, type TlsConfig } from "./config.ts";
import { SHELLS, completionScript } from "./completions.ts";
import { HELP_TEXT, VERSION_TEXT } from "./help.ts";
import { generateSecret } from "./secret.ts";
import { splitCommand } from "./split-command.ts";
import { bad, Flags, invalid } from "./flag-reader.ts";
import { type Occurrence, tokenize } from "./tokenize.ts";
import { formatSize, parseGoBool } from "./units.ts";
import { addHeader, parseHeader, parsePin, parseProxy } from "./values.ts";

export type { Config, Mode, SchedulerName, StatsConfig, TlsConfig } from "./config.ts";

export type ParseResult =
  | { kind: "help"; text: string }
  | { kind: "version"; text: string }
  | { kind: "completions"; text: string }
  | { kind: "gen-secret"; text: string }
  | { kind: "run"; config: Config };

/**
 * Parse bondcat's argv (without the runtime and script: `process.argv.slice(2)`).
 * `env` supplies BONDCAT_SECRET; pass `{}` in tests.
 */
export function parseArgs(argv: readonly string[], env: Record<string, string | undefined> = process.env): ParseResult {
  const tokens = tokenize(argv);
  if (tokens.flags.has("help")) return { kind: "help", text: HELP_TEXT };
  if (tokens.flags.has("version")) return { kind: "version", text: VERSION_TEXT };
  if (tokens.error !== undefined) throw tokens.error;
  if (tokens.flags.has("gen-secret")) return { kind: "gen-secret", text: generateSecret() };
  const completions = tokens.flags.get("completions")?.at(-1);
  if (completions !== undefined) {
    const shell = SHELLS.find((s) => s === completions.value);
    if (shell === undefined) invalid(completions, `expected one of ${SHELLS.join(", ")}`);
    return { kind: "completions", text: completionScript(shell) };
  }
  return { kind: "run", config: buildConfig(new Flags(tokens.flags), tokens.positionals, env) };
}

function buildConfig(f: Flags, positionals: readonly string[], env: Record<string, string | undefined>): Config {
  if (f.bool("ipv4") && f.bool("ipv6")) bad("ECONFLICT", "-4 and -6 cannot be combined");
  const family: 4 | 6 | undefined = f.bool("ipv4") ? 4 : f.bool("ipv6") ? 6 : undefined;

  const { listenMode, listen } = listenAddresses(f, family);
  const mode = listenMode ? "listen" : "connect";
  if (listenMode && positionals.length > 0) {
    bad("ECONFLICT", `listen mode takes no endpoints (got ${quote(positionals[0] as string)}); choose the address with --listen URL or -p PORT`);
  }
  const endpoints = positionals.map((p) => parseEndpoint(p));
  if (!listenMode && endpoints.length === 0) {
    bad("EUSAGE", "no endpoint given: bondcat [options] host:port [host:port ...], or -l to listen (see --help)");
  }
  checkFamily(endpoints, family);
  checkModeOnly(f, listenMode);

  const relayText = f.string("relay");
  const relay = relayText === undefined ? undefined : parseEndpoint(relayText);
  if (relay !== undefined && relay.protocol !== "tcp:") {
    invalid(f.last("relay") as Occurrence, "the relay target is a plain TCP host:port");
  }
  const execOcc = f.last("exec");
  let exec: string[] | undefined;
  if (execOcc !== undefined) {
    exec = splitCommand(execOcc.value ?? "");
    if (exec === undefined) invalid(execOcc, "unterminated quote or trailing backslash");
    if (exec.length === 0) invalid(execOcc, "empty command");
  }
  const benchmark = f.bool("benchmark");
  const replacing = [relay && f.spelling("relay"), exec && f.spelling("exec"), benchmark && f.spelling("benchmark")]
    .filter((s): s is string => typeof s === "string");
  if (replacing.length > 1) {
    bad("ECONFLICT", `${replacing[0]} and ${replacing[1]} cannot be combined (each replaces stdin/stdout)`);
  }
  const direction = stdioDirection(f, replacing[0]);

  const durationOcc = f.last("duration");
  if (durationOcc !== undefined && !benchmark) bad("EUSAGE", `${durationOcc.spelling} applies to -b (benchmark) only`);
  const duration = durationOcc === undefined ? undefined : f.duration(durationOcc, LIMITS.benchmarkDurationMs);

  const idleOcc = f.last("idle-timeout");
  const idle = idleOcc === undefined ? 0 : f.duration(idleOcc, LIMITS.idleTimeoutMs);

  const chunkSize = f.size("chunk-size", DEFAULTS.chunkSize, LIMITS.chunkSize);
  const sendBuffer = f.size("send-buffer", DEFAULTS.sendBuffer, LIMITS.sendBuffer);
  const recvWindow = f.size("recv-window", DEFAULTS.recvWindow, LIMITS.recvWindow);
  const maxMemory = f.size("max-memory", DEFAULTS.maxMemory, LIMITS.maxMemory);
  if (sendBuffer < chunkSize) bad("ECONFLICT", `--send-buffer (${formatSize(sendBuffer)}) must be at least --chunk-size (${formatSize(chunkSize)})`);
  if (recvWindow < chunkSize) bad("ECONFLICT", `--recv-window (${formatSize(recvWindow)}) must be at least --chunk-size (${formatSize(chunkSize)})`);

  const headers: Record<string, string> = {};
  for (const o of f.all("header")) {
    const [name, value] = parseHeader(o.spelling, o.value ?? "");
    addHeader(headers, name, value);
  }
  const proxyOcc = f.last("proxy");

  const config: Config = {
    mode,
    endpoints,
    listen,
    backup: f.all("backup").map((o) => parseEndpoint(o.value ?? "")),
    multiplier: f.int("multiplier", LIMITS.multiplier) ?? DEFAULTS.multiplier,
    verbose: f.count("verbose"),
    keepOpen: f.bool("keep-open"),
    benchmark,
    autoDetect: !f.bool("no-auto-detect"),
    allAddresses: f.bool("all-addresses"),
    limits: {},
    tls: tlsConfig(f),
    headers,
    scheduler: scheduler(f),
    chunkSize,
    sendBuffer,
    recvWindow,
    maxMemory,
  };
  if (relay !== undefined) config.relay = relay;
  if (exec !== undefined) config.exec = exec;
  if (direction !== undefined) config.direction = direction;
  if (idle > 0) config.idleTimeoutMs = idle;
  if (duration !== undefined) config.benchmarkDurationMs = duration;
  const stats = statsConfig(f);
  if (stats !== undefined) config.stats = stats;
  if (family !== undefined) config.family = family;
  if (proxyOcc !== undefined) config.proxy = parseProxy(proxyOcc.spelling, proxyOcc.value ?? "");
  if (f.bool("proxy-protocol")) config.proxyProtocol = true;
  const hsOcc = f.last("handshake-timeout");
  const limits: Config["limits"] = {
    maxSessions: f.int("max-sessions", LIMITS.maxSessions),
    maxSessionsPerAddr: f.int("max-sessions-per-addr", LIMITS.maxSessions),
    maxPending: f.int("max-handshakes", LIMITS.maxPending),
    maxPendingPerAddr: f.int("max-handshakes-per-addr", LIMITS.maxPending),
    handshakeMs: hsOcc === undefined ? undefined : f.duration(hsOcc, LIMITS.handshakeMs),
  };
  for (const k of Object.keys(limits) as (keyof typeof limits)[]) if (limits[k] === undefined) delete limits[k];
  config.limits = limits;
  const secretFile = f.last("secret-file");
  if (secretFile !== undefined) {
    if (f.last("secret") !== undefined) bad("ECONFLICT", "--secret and --secret-file cannot be combined");
    if (!secretFile.value) invalid(secretFile, "expected a file name");
    config.secretFile = secretFile.value;
  } else {
    const secret = secretOf(f, env);
    if (secret !== undefined) config.secret = secret;
  }
  const compat = compatOf(f);
  if (compat !== undefined) {
    // A listener with a secret refuses v0 dialers at run time (with the reason); a dialer cannot prove one.
    if (mode === "connect" && (config.secret !== undefined || config.secretFile !== undefined)) {
      bad("ECONFLICT", `${f.spelling("compat")} v0 cannot be combined with a secret: wire v0 has no authentication`);
    }
    config.compat = compat;
  }
  return config;
}

/** --recv-only / --send-only: one of them, and only with stdin/stdout (`replacing`: what replaces them). */
function stdioDirection(f: Flags, replacing: string | undefined): Config["direction"] {
  const given = (["recv-only", "send-only"] as const).filter((n) => f.bool(n));
  if (given.length === 0) return undefined;
  const spelling = f.spelling(given[0]!) as string;
  if (given.length > 1) bad("ECONFLICT", `${spelling} and ${f.spelling(given[1]!)} cannot be combined`);
  if (replacing !== undefined) bad("ECONFLICT", `${spelling} applies to stdin/stdout, not with ${replacing}`);
  return given[0];
}

function listenAddresses(f: Flags, family: 4 | 6 | undefined): { listenMode: boolean; listen: URL[] } {
  const wildcard = family === 4 ? "0.0.0.0" : "[::]";
  let on = false;
  const urls: URL[] = [];
  for (const o of f.all("listen")) {
    const b = o.value === undefined ? true : parseGoBool(o.value);
    if (b !== undefined) on = b;
    else urls.push(parseEndpoint(o.value ?? "", "tcp", { listen: true, wildcard }));
  }
  const port = f.int("port", [0, 65535]);
  const listenMode = on || urls.length > 0;
  if (port !== undefined && !listenMode) {
    bad("EUSAGE", `${f.spelling("port")} PORT needs -l (listen mode)`);
  }
  if (port !== undefined || (listenMode && urls.length === 0)) {
    urls.unshift(parseEndpoint(`tcp://${wildcard}:${port ?? 0}`, "tcp", { listen: true }));
  }
  const seen = new Set<string>();
  for (const u of urls) {
    if (seen.has(u.href)) bad("ECONFLICT", `listen address ${u.href} given twice`);
    seen.add(u.href);
  }
  return { listenMode, listen: listenMode ? urls : [] };
}

/** An IP literal of the wrong family under -4/-6 is a mistake, not something to skip silently. */
function checkFamily(endpoints: readonly URL[], family: 4 | 6 | undefined): void {
  if (family === undefined) return;
  for (const u of endpoints) {
    const v6 = u.hostname.startsWith("[");
    const v4 = /^\d+\.\d+\.\d+\.\d+$/.test(u.hostname);
    if ((family === 4 && v6) || (family === 6 && v4)) {
      bad("ECONFLICT", `endpoint ${u.host} is IPv${v6 ? 6 : 4} but -${family} was given`);
    }
  }
}

/** Flags that only mean something on one side. */
const CONNECT_ONLY = ["multiplier", "backup", "proxy", "header", "insecure", "pin", "servername", "client-cert", "client-key"];
const LISTEN_ONLY = ["keep-open", "cert", "key", "require-client-cert", "proxy-protocol", "max-sessions", "max-sessions-per-addr", "max-handshakes", "max-handshakes-per-addr", "handshake-timeout"];

function checkModeOnly(f: Flags, listenMode: boolean): void {
  const wrong = (listenMode ? CONNECT_ONLY : LISTEN_ONLY).find((n) => f.all(n).length > 0);
  if (wrong === undefined) return;
  const spelling = f.spelling(wrong) as string;
  if (listenMode) bad("ECONFLICT", `${spelling} applies to connect mode only, not with -l`);
  const hint = wrong === "cert" || wrong === "key" ? "; for a client certificate use --client-cert/--client-key" : "";
  bad("ECONFLICT", `${spelling} applies to listen mode only (-l)${hint}`);
}

function tlsConfig(f: Flags): TlsConfig {
  const tls: TlsConfig = {
    insecure: f.bool("insecure"),
    pins: f.all("pin").map((o) => parsePin(o.spelling, o.value ?? "")),
    requireClientCert: f.bool("require-client-cert"),
  };
  const files = [["cert", "cert"], ["key", "key"], ["ca", "ca"], ["servername", "servername"],
    ["client-cert", "clientCert"], ["client-key", "clientKey"]] as const;
  for (const [flag, field] of files) {
    const o = f.last(flag);
    if (o === undefined) continue;
    if (o.value === undefined || o.value === "") invalid(o, "empty");
    tls[field] = o.value;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    bad("EUSAGE", "--cert and --key go together");
  }
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    bad("EUSAGE", "--client-cert and --client-key go together");
  }
  if (tls.requireClientCert && tls.ca === undefined) {
    bad("EUSAGE", "--require-client-cert needs --ca FILE to verify client certificates");
  }
  return tls;
}

function statsConfig(f: Flags): StatsConfig | undefined {
  const json = f.bool("stats-json");
  const occ = f.last("stats");
  if (occ === undefined && !json) return undefined;
  const intervalMs = occ?.value === undefined ? DEFAULTS.statsIntervalMs : f.duration(occ, LIMITS.statsIntervalMs);
  return { intervalMs, json };
}

function scheduler(f: Flags): SchedulerName {
  const o = f.last("scheduler");
  if (o === undefined) return DEFAULTS.scheduler;
  if (o.value === "default" || o.value === "redundant") return o.value;
  return invalid(o, "expected default or redundant");
}

function compatOf(f: Flags): "v0" | undefined {
  const o = f.last("compat");
  if (o === undefined) return undefined;
  if (o.value === "v0") return "v0";
  return invalid(o, "expected v0 (the original bondcat's wire format)");
}

function secretOf(f: Flags, env: Record<string, string | undefined>): string | undefined {
  const o = f.last("secret");
  if (o !== undefined) {
    if (o.value === undefined || o.value === "") invalid(o, "the secret cannot be empty");
    return o.value;
  }
  const e = env[ENV_SECRET];
  return e === undefined || e === "" ? undefined : e;
}
