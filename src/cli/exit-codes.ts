/**
 * Process exit codes — the one place they are defined. `bondcat --help` prints the same table.
 *
 * | code | name         | meaning                                                                   |
 * |------|--------------|---------------------------------------------------------------------------|
 * |    0 | OK           | session closed cleanly: both directions FIN'd and all data acknowledged   |
 * |      |              | (an --idle-timeout close and the end of a -b benchmark also count as 0,   |
 * |      |              | and so does a v0 peer closing once everything it sent was written out)    |
 * |    1 | FAILURE      | runtime/session failure after the session was up: peer abort, every path  |
 * |      |              | lost past the grace period, relay/exec target failed, I/O error; also a   |
 * |      |              | clean end whose last bytes stdout refused (EPIPE) or a relay target did   |
 * |      |              | not take in 30 s, and a stdin read error (EISDIR)                         |
 * |    2 | USAGE        | bad command line or config (ConfigError); nothing was opened              |
 * |    3 | CONNECT      | cannot connect: refused / unresolvable / timed out on every endpoint      |
 * |    4 | LISTEN       | cannot listen: address in use, permission denied, address not available  |
 * |    5 | PROTOCOL     | the peer is not a compatible bondcat, or handshake/authentication failed |
 * |  129 | HANGUP       | SIGHUP with nothing left to finish (ssh ending its ProxyCommand)          |
 * |  130 | INTERRUPTED  | interrupted: SIGINT (second Ctrl-C, or the first with nothing to flush)   |
 * |  143 | TERMINATED   | SIGTERM (a -k listener: always, even after finishing live sessions)      |
 *
 * 130/143 follow the shell convention 128 + signal number. 143 is an addition to the original split:
 * scripts and service managers can tell "stopped on purpose" from "failed".
 */
import { AbortCode, ConfigError, HandshakeError, PeerAbortError, ProtocolError, SessionError, TransportError, type TransportErrorCode } from "../api/index.ts";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_CONNECT = 3;
export const EXIT_LISTEN = 4;
export const EXIT_PROTOCOL = 5;
export const EXIT_HANGUP = 129;
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

export type ExitCode =
  | typeof EXIT_OK
  | typeof EXIT_FAILURE
  | typeof EXIT_USAGE
  | typeof EXIT_CONNECT
  | typeof EXIT_LISTEN
  | typeof EXIT_PROTOCOL
  | typeof EXIT_HANGUP
  | typeof EXIT_INTERRUPTED
  | typeof EXIT_TERMINATED;

/** Rows for the help text: [code, one-line meaning]. */
export const EXIT_CODE_TABLE: readonly (readonly [ExitCode, string])[] = [
  [EXIT_OK, "session closed cleanly, all data acknowledged"],
  [EXIT_FAILURE, "session failed: peer abort, all paths lost, relay/exec/I/O error"],
  [EXIT_USAGE, "bad command line or configuration"],
  [EXIT_CONNECT, "cannot connect to any endpoint (refused, unresolvable, timeout)"],
  [EXIT_LISTEN, "cannot listen (address in use, permission denied)"],
  [EXIT_PROTOCOL, "peer is not bondcat, or handshake/authentication failed"],
  [EXIT_HANGUP, "hung up (SIGHUP) with nothing left to finish"],
  [EXIT_INTERRUPTED, "interrupted (SIGINT)"],
  [EXIT_TERMINATED, "terminated (SIGTERM)"],
];

/** TransportError codes that mean "could not bind" rather than "could not connect". */
const LISTEN_CODES: ReadonlySet<TransportErrorCode> = new Set<TransportErrorCode>(["EADDRINUSE", "EACCES", "EPERM", "EADDRNOTAVAIL", "ELISTEN"]);

/**
 * The exit code for an error that ended the process. A default mapping by class and code; the
 * caller knows more (e.g. a TransportError is EXIT_CONNECT only once *every* endpoint failed) and may
 * choose differently. An AbortError (DOMException name "AbortError") counts as interrupted.
 */
export function exitCodeFor(err: unknown): ExitCode {
  if (err instanceof ConfigError) return EXIT_USAGE;
  // The peer closed a session that was idle past its --idle-timeout: a normal end, as on that side.
  // So did a v0 peer that closed its connection after everything it sent was written out (NORMAL).
  if (err instanceof PeerAbortError && (err.abortCode === AbortCode.TIMEOUT || err.abortCode === AbortCode.NORMAL)) return EXIT_OK;
  if (err instanceof HandshakeError || err instanceof ProtocolError) return EXIT_PROTOCOL;
  if (err instanceof TransportError) return LISTEN_CODES.has(err.code) ? EXIT_LISTEN : EXIT_CONNECT;
  if (err instanceof SessionError) return EXIT_FAILURE;
  if (err instanceof Error && err.name === "AbortError") return EXIT_INTERRUPTED;
  return EXIT_FAILURE;
}
