/**
 * The engine's errors (the contract's BondError, TransportError and ConfigError are in
 * src/contract/errors.ts). Classes with a stable `code`; callers check the class or the code.
 */
import { BondError, printable } from "../contract/errors.ts";

/** A peer sent bytes that break protocol v1. Closes the subflow it came on, never the process. */
export class ProtocolError extends BondError {}

/** Handshake refused or failed (bad magic/version, unknown session, bad proof, timeout). */
export class HandshakeError extends BondError {}

/** The session ended abnormally (peer abort, all paths lost past the grace period, local abort). */
export class SessionError extends BondError {}

/** The peer sent ABORT; `abortCode` is its reason code (frame.ts AbortCode, e.g. TIMEOUT for an idle close). */
export class PeerAbortError extends SessionError {
  constructor(
    readonly abortCode: number,
    reason: string,
  ) {
    super("EPEERABORT", `peer aborted the session: ${reason ? printable(reason) : "no reason"} (code ${abortCode})`);
  }
}
