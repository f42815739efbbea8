/**
 * The table of bondcat's flags — one source for the tokenizer (tokenize.ts), the config builder
 * (args.ts) and the help text (help.ts, rendered by citty).
 *
 * Spelling rules (see tokenize.ts): every long flag works with one or two dashes, as Go's flag
 * package allows (`-listen` ≡ `--listen`, `-multiplier=4` ≡ `--multiplier=4`); short flags are single
 * letters/digits and boolean ones bundle (`-lkv`).
 */
import { parseDuration } from "./units.ts";

export type FlagKind =
  /** No value; `=BOOL` accepted in Go's spellings (`-l=true`, `-a=0`). */
  | "bool"
  /** Like bool but counts repetitions: `-v -v` ≡ `-vv` ≡ `--verbose=2`. */
  | "count"
  /** Needs a value (`--x=V` or `--x V`); repeating it: the last one wins, as in Go's flag package. */
  | "value"
  /** Needs a value; every occurrence is kept (a repeatable list). */
  | "list"
  /** Value optional: `--x=V` always; `--x V` only when V looks like this flag's value. Repeatable. */
  | "optional";

export type FlagGroup = "mode" | "session" | "tls" | "dial" | "misc";

export interface FlagSpec {
  /** Canonical long name, without dashes. */
  readonly name: string;
  /** One-character short form (`-l`). */
  readonly short?: string;
  /** For `optional` flags: the short form never takes a value (`-l` is listen mode, a plain switch). */
  readonly shortIsBool?: boolean;
  /** Other long spellings (no dashes). */
  readonly aliases?: readonly string[];
  readonly kind: FlagKind;
  readonly valueHint?: string;
  readonly description: string;
  readonly group: FlagGroup;
  /** Shown as "(default: …)" in help. */
  readonly defaultText?: string;
  /** The complete set of values, where it is finite (shell completions and the man page list them). */
  readonly choices?: readonly string[];
  /** For `optional` flags: whether the next argument is this flag's value (`--stats 5s`). */
  readonly takesNext?: (next: string) => boolean;
}

export const FLAGS: readonly FlagSpec[] = [
  // --- mode ---
  { name: "listen", short: "l", shortIsBool: true, kind: "optional", valueHint: "URL", group: "mode",
    takesNext: (next) => !next.startsWith("-"),
    description: "listen mode; --listen URL: an address to bind (repeatable)" },
  { name: "port", short: "p", kind: "value", valueHint: "PORT", group: "mode",
    description: "listen on TCP PORT, all addresses (0 or no -p: a free port, printed)" },
  { name: "keep-open", short: "k", kind: "bool", group: "mode",
    description: "listen mode: keep accepting sessions after one ends" },
  { name: "proxy-protocol", kind: "bool", group: "mode",
    description: "listen: every connection starts with a PROXY v1/v2 header (a balancer's send-proxy)" },
  { name: "max-sessions", kind: "value", valueHint: "N", group: "mode", defaultText: "1024",
    description: "listen: sessions open at once; more OPENs are refused (REFUSED, logged)" },
  { name: "max-sessions-per-addr", kind: "value", valueHint: "N", group: "mode", defaultText: "256",
    description: "listen: sessions opened from one source address" },
  { name: "max-handshakes", kind: "value", valueHint: "N", group: "mode", defaultText: "1024",
    description: "listen: connections still in their handshake at once (TLS, WebSocket upgrade and bondcat handshake together, all listeners); more are dropped at accept" },
  { name: "max-handshakes-per-addr", kind: "value", valueHint: "N", group: "mode", defaultText: "256",
    description: "listen: connections in their handshake from one source address" },
  { name: "handshake-timeout", kind: "value", valueHint: "DURATION", group: "mode", defaultText: "10s",
    description: "listen: a connection must finish its handshake (TLS included) this long after accept" },
  { name: "relay", kind: "value", valueHint: "HOST:PORT", group: "mode",
    description: "connect the session to a TCP socket instead of stdin/stdout" },
  { name: "exec", short: "e", kind: "value", valueHint: "'CMD ARGS'", group: "mode",
    description: "connect the session to a program (words split as a shell would; no shell)" },
  { name: "recv-only", kind: "bool", group: "mode",
    description: "only receive: never read stdin, finish our direction at once (as ncat)" },
  { name: "send-only", kind: "bool", group: "mode",
    description: "only send: discard what arrives instead of writing it to stdout (as ncat)" },
  { name: "benchmark", short: "b", kind: "bool", group: "mode",
    description: "send and discard zeros as fast as possible; report throughput" },
  { name: "duration", kind: "value", valueHint: "DURATION", group: "mode",
    description: "with -b: stop sending after DURATION (default: until Ctrl-C or the peer stops)" },
  // --- session ---
  { name: "multiplier", short: "x", kind: "value", valueHint: "N", group: "session", defaultText: "1",
    description: "subflows per endpoint (1-64)" },
  { name: "backup", kind: "list", valueHint: "URL", group: "session",
    description: "backup endpoint, used only while no primary path is up (repeatable)" },
  { name: "scheduler", kind: "value", valueHint: "NAME", group: "session", defaultText: "default",
    choices: ["default", "redundant"],
    description: "default (by capacity, low RTT first) or redundant (all paths)" },
  { name: "secret", kind: "value", valueHint: "STRING", group: "session",
    description: "pre-shared secret both ends must know; visible in ps: prefer --secret-file or BONDCAT_SECRET" },
  { name: "secret-file", kind: "value", valueHint: "FILE", group: "session",
    description: "read the pre-shared secret from FILE (one line; see --gen-secret)" },
  { name: "compat", kind: "value", valueHint: "v0", group: "session", choices: ["v0"],
    description: "also speak the original (Go) bondcat's wire format v0: listen: accept v0 dialers too; connect: speak v0" },
  { name: "idle-timeout", short: "i", kind: "value", valueHint: "DURATION", group: "session",
    description: "close after this long without data: 10s, 500ms, 2m, seconds; 0 never" },
  { name: "no-auto-detect", short: "a", kind: "bool", group: "session",
    description: "only the addresses given, not every local address" },
  { name: "all-addresses", kind: "bool", group: "session",
    description: "dial every address of a name (default: its first IPv4 and first IPv6 address)" },
  { name: "ipv4", short: "4", kind: "bool", group: "session", description: "IPv4 only (DNS, local addresses, listening)" },
  { name: "ipv6", short: "6", kind: "bool", group: "session", description: "IPv6 only (DNS, local addresses, listening)" },
  { name: "chunk-size", kind: "value", valueHint: "SIZE", group: "session", defaultText: "256k",
    description: "largest data frame payload (1k-1M)" },
  { name: "send-buffer", kind: "value", valueHint: "SIZE", group: "session", defaultText: "8M",
    description: "unacknowledged bytes kept for resending (64k-1G)" },
  { name: "recv-window", kind: "value", valueHint: "SIZE", group: "session", defaultText: "8M",
    description: "out-of-order bytes buffered, advertised to the peer (64k-1G)" },
  { name: "max-memory", kind: "value", valueHint: "SIZE", group: "session", defaultText: "1G, at most ¼ of RAM",
    description: "bytes all sessions together may buffer; near it windows shrink and new sessions are refused (16M-1T)" },
  // --- tls ---
  { name: "cert", kind: "value", valueHint: "FILE", group: "tls", description: "listen: server certificate (PEM)" },
  { name: "key", kind: "value", valueHint: "FILE", group: "tls", description: "listen: server private key (PEM)" },
  { name: "ca", kind: "value", valueHint: "FILE", group: "tls",
    description: "CA (PEM) verifying the server, or clients with --require-client-cert" },
  { name: "insecure", kind: "bool", group: "tls", description: "connect: do not verify the server certificate" },
  { name: "pin", kind: "list", valueHint: "sha256:HEX", group: "tls",
    description: "connect: accept only this certificate fingerprint (repeatable)" },
  { name: "servername", kind: "value", valueHint: "NAME", group: "tls", description: "connect: TLS SNI / expected name" },
  { name: "client-cert", kind: "value", valueHint: "FILE", group: "tls", description: "connect: client certificate (PEM)" },
  { name: "client-key", kind: "value", valueHint: "FILE", group: "tls", description: "connect: client private key (PEM)" },
  { name: "require-client-cert", kind: "bool", group: "tls",
    description: "listen: require client certificates signed by --ca" },
  // --- dial ---
  { name: "proxy", kind: "value", valueHint: "URL", group: "dial",
    description: "proxy URL: http:// (CONNECT), socks5://, socks5h:// (none: ignore the *_PROXY variables)" },
  { name: "header", short: "H", kind: "list", valueHint: "'NAME: VALUE'", group: "dial",
    description: "extra WebSocket request header (repeatable)" },
  // --- misc ---
  { name: "stats", kind: "optional", valueHint: "INTERVAL", group: "misc", defaultText: "1s",
    takesNext: (next) => parseDuration(next) !== undefined,
    description: "per-path statistics on stderr every INTERVAL" },
  { name: "stats-json", kind: "bool", group: "misc", description: "statistics as JSON lines (implies --stats)" },
  { name: "verbose", short: "v", kind: "count", group: "misc", description: "more logging on stderr (-vv: protocol trace, every frame per subflow)" },
  { name: "help", short: "h", kind: "bool", group: "misc", description: "show this help" },
  { name: "gen-secret", kind: "bool", group: "misc",
    description: "print a strong random secret (for --secret-file) and exit" },
  { name: "version", kind: "bool", group: "misc", description: "print the version, Bun's version and the platform" },
  { name: "completions", kind: "value", valueHint: "SHELL", group: "misc", choices: ["bash", "zsh", "fish"],
    description: "print a completion script for bash, zsh or fish (docs/USAGE.md: how to install it)" },
];

const byLong = new Map<string, FlagSpec>();
const byShort = new Map<string, FlagSpec>();
for (const f of FLAGS) {
  byLong.set(f.name, f);
  for (const a of f.aliases ?? []) byLong.set(a, f);
  if (f.short !== undefined) byShort.set(f.short, f);
}

/** Flags whose value names a file (completions offer file names; the man page lists them in FILES). */
export function isFileFlag(f: FlagSpec): boolean {
  return f.valueHint === "FILE" || f.valueHint === "PATH";
}

/** Look a name (no dashes) up as a long spelling. */
export function longFlag(name: string): FlagSpec | undefined {
  return byLong.get(name);
}

/** Look a one-character name up as a short flag. */
export function shortFlag(ch: string): FlagSpec | undefined {
  return byShort.get(ch);
}

/** Every spelling a user could have meant, for "did you mean" hints. */
export function allSpellings(): string[] {
  return [...byLong.keys(), ...byShort.keys()];
}
