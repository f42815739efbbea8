/**
 * The set of transports a process can use, keyed by URL scheme. The composition root (CLI,
 * public API) fills it with the built-in transports and any third-party plugin; this file never
 * imports a transport itself.
 */
import { ConfigError } from "../contract/errors.ts";
import type { Pipe } from "../contract/pipe.ts";
import type { DialOptions, Listener, ListenOptions, Transport } from "../contract/transport.ts";

/** "TCP:", "tcp" → "tcp". */
function normalizeScheme(scheme: string): string {
  return (scheme.endsWith(":") ? scheme.slice(0, -1) : scheme).toLowerCase();
}

export class TransportRegistry {
  private readonly byScheme = new Map<string, Transport>();

  constructor(transports: Iterable<Transport> = []) {
    for (const t of transports) this.register(t);
  }

  /** Adds a transport for all its schemes; a scheme already taken is a ConfigError (nothing is added). */
  register(transport: Transport): this {
    if (transport.schemes.length === 0) {
      throw new ConfigError("EBADTRANSPORT", `transport "${transport.name}" declares no URL scheme`);
    }
    const schemes = transport.schemes.map(normalizeScheme);
    for (const scheme of schemes) {
      if (!/^[a-z][a-z0-9+.-]*$/.test(scheme)) {
        throw new ConfigError("EBADTRANSPORT", `transport "${transport.name}": invalid URL scheme "${scheme}"`);
      }
      const owner = this.byScheme.get(scheme);
      if (owner) {
        throw new ConfigError(
          "EDUPSCHEME",
          `scheme "${scheme}" of transport "${transport.name}" is already registered by "${owner.name}"`,
        );
      }
    }
    for (const scheme of schemes) this.byScheme.set(scheme, transport);
    return this;
  }

  has(scheme: string): boolean {
    return this.byScheme.has(normalizeScheme(scheme));
  }

  /** The transport for a scheme ("tcp" or a URL protocol such as "tcp:"). */
  get(scheme: string): Transport {
    const transport = this.byScheme.get(normalizeScheme(scheme));
    if (!transport) {
      const known = this.schemes();
      throw new ConfigError(
        "EUNKNOWNSCHEME",
        `unknown transport scheme "${normalizeScheme(scheme)}" (registered: ${known.length ? known.join(", ") : "none"})`,
      );
    }
    return transport;
  }

  /** Registered schemes, sorted. */
  schemes(): string[] {
    return [...this.byScheme.keys()].sort();
  }

  /** Dials with the transport of `url`'s scheme; an unknown scheme rejects with ConfigError. */
  async dial(url: URL, opts: DialOptions = {}): Promise<Pipe> {
    return this.get(url.protocol).dial(url, opts);
  }

  async listen(url: URL, opts: ListenOptions, onPipe: (pipe: Pipe) => void): Promise<Listener> {
    return this.get(url.protocol).listen(url, opts, onPipe);
  }
}
