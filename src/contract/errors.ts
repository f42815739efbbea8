/**
 * The errors of the plugin contract. Errors are classes with a stable `code`; callers check the class
 * or the code, never the message. Transports throw TransportError (and ConfigError for options they
 * cannot honour); the engine's own errors (protocol, handshake, session) live in src/core/errors.ts.
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

/** A transport could not dial, listen or carry bytes (refused, unresolvable, TLS failure …). */
export class TransportError extends BondError {}

/** Bad user input: flags, endpoints, config, library options. Raised before any socket opens. */
export class ConfigError extends BondError {}

/** A user-supplied value inside an error message: 'text', or JSON when it holds control characters. */
export function quote(text: string): string {
  return /[\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : `'${text}'`;
}
