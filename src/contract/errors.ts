/**
 * Errors are classes with a stable `code`; callers check the class or the code, never the message.
 */
export class BondError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A peer sent bytes that break protocol v1. Closes the subflow it came on, never the process. */
export class ProtocolError extends BondError {}

/** Handshake refused or failed (bad magic/version, unknown session, bad proof, timeout). */
export class HandshakeError extends BondError {}

/** A transport could not dial, listen or carry bytes (refused, unresolvable, TLS failure …). */
export class TransportError extends BondError {}

/** The session ended abnormally (peer abort, all paths lost past the grace period, local abort). */
export class SessionError extends BondError {}

/** The peer sent ABORT; `abortCode` is its reason code (frame.ts AbortCode, e.g. TIMEOUT for an idle close). */
export class PeerAbortError extends SessionError {
  constructor(
    readonly abortCode: number,
    reason: string,
  ) {
    super("EPEERABORT", `peer aborted the session: ${reason || "no reason"} (code ${abortCode})`);
  }
}

/** Bad user input: flags, endpoints, config. Raised before any socket opens. */
export class ConfigError extends BondError {}
