/**
 * The errors of the plugin contract. Errors are classes with a stable `code`; callers check the class
 * or the code, never the message. Transports throw TransportError (and ConfigError for options they
 * cannot honour); the engine's own errors (protocol, handshake, session) live in src/core/errors.ts.
 */
export class BondError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

// Each class's codes as a union, so a typo in a code (thrown or compared) is a type error. A new code is
// one more member here (or in src/core/errors.ts for the engine's classes).

/** System error codes a transport passes through (socket-pipe.ts KNOWN_CODES) or a caller compares. */
export type SystemErrorCode =
  | "ECONNREFUSED" | "ENOTFOUND" | "ETIMEDOUT" | "EADDRINUSE" | "EADDRNOTAVAIL" | "ECONNRESET"
  | "EHOSTUNREACH" | "ENETUNREACH" | "EACCES" | "EPERM" | "EAI_AGAIN" | "ENOENT" | "EPIPE" | "EMFILE";

export type TransportErrorCode =
  | SystemErrorCode
  | "ABORTED" | "TLS" | "PROXY" | "ECONNECT" | "EATTACHED" | "EBADURL" | "EBUSY" | "EEMPTY"
  | "EHTTP" | "ELISTEN" | "EPROTO" | "EPROXYHEADER";

export type ConfigErrorCode =
  | "EUSAGE" | "ECONFLICT" | "EINVALID_VALUE" | "EMISSING_VALUE" | "EUNKNOWN_OPTION" | "EOPTION"
  | "EENDPOINT" | "EBADURL" | "EBADTRANSPORT" | "EDUPSCHEME" | "EUNKNOWNSCHEME" | "EFILE" | "ESECRETFILE"
  | "EEXEC" | "EMAXMEMORY";

/** A transport could not dial, listen or carry bytes (refused, unresolvable, TLS failure …). */
export class TransportError extends BondError<TransportErrorCode> {}

/** Bad user input: flags, endpoints, config, library options. Raised before any socket opens. */
export class ConfigError extends BondError<ConfigErrorCode> {}

/** A user-supplied value inside an error message: 'text', or JSON when it holds control characters. */
/**
 * Text from a peer made safe for a log line: control characters (C0, DEL, C1 such as the one-byte CSI,
 * Unicode line/paragraph separators) become visible escapes, so a peer cannot move the cursor, clear the
 * screen or start a forged line. Printable text is unchanged.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    if (c === "\n") return "\\n";
    if (c === "\r") return "\\r";
    if (c === "\t") return "\\t";
    const n = c.charCodeAt(0);
    return n < 0x100 ? `\\x${n.toString(16).padStart(2, "0")}` : `\\u${n.toString(16).padStart(4, "0")}`;
  });
}

export function quote(text: string): string {
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `'${text}'`;
}
