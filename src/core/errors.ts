/**
 * The engine's errors (the contract's BondError, TransportError and ConfigError are in
 * src/contract/errors.ts). Classes with a stable `code`; callers check the class or the code.
 */
import { BondError, printable } from "../contract/errors.ts";

// Each class's codes as a union, so a typo in a code (thrown or compared) is a type error; a new code is
// one more member here.
export type ProtocolErrorCode =
  | "EFRAME" | "EFRAMESIZE" | "EFRAMETYPE" | "EDECODER" | "EACK" | "EFIN" | "EREORDER" | "EWINDOW";

export type HandshakeErrorCode =
  | "EMAGIC" | "EVERSION" | "EHELLO" | "EREPLY" | "EREFUSED" | "EAUTH" | "EPREAUTH" | "EV0AUTH" | "EBUSY"
  | "ESTATE" | "EEMPTY" | "ECLOSED" | "ETIMEDOUT" | "ENOANSWER" | "EUNKNOWNCID" | "EUNKNOWNSESSION"
  | "ESESSIONEXISTS" | "ELIMIT" | "EMEMORY";

export type SessionErrorCode =
  | "EABORTED" | "ECLOSED" | "EFLUSH" | "EINPUT" | "EOUTPUT" | "ENOPATHS" | "EPEEREND" | "EPEERGONE"
  | "EPEERABORT" | "EQUEUE" | "EWRITEAFTEREND" | "ESILENT" | "ESTALLED";

/** A peer sent bytes that break protocol v1. Closes the subflow it came on, never the process. */
export class ProtocolError extends BondError<ProtocolErrorCode> {}

/** Handshake refused or failed (bad magic/version, unknown session, bad proof, timeout). */
export class HandshakeError extends BondError<HandshakeErrorCode> {}

/** The session ended abnormally (peer abort, all paths lost past the grace period, local abort). */
export class SessionError extends BondError<SessionErrorCode> {}

/** The peer sent ABORT; `abortCode` is its reason code (frame.ts AbortCode, e.g. TIMEOUT for an idle close). */
export class PeerAbortError extends SessionError {
  constructor(
    readonly abortCode: number,
    reason: string,
  ) {
    super("EPEERABORT", `peer aborted the session: ${reason ? printable(reason) : "no reason"} (code ${abortCode})`);
  }
}
