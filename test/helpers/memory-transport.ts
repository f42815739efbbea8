/**
 * A Transport for tests over in-memory pipes: `mem://NAME`. Listeners live in a MemoryNetwork
 * (one shared default per process); listening on `mem://` or `mem://0` picks a fresh name.
 */
import { ConfigError, TransportError } from "../../src/contract/errors.ts";
import type { DialOptions, Listener, ListenOptions, Pipe, Transport } from "../../src/contract/transport.ts";
import { memoryPipePair, type MemoryPairOptions, type MemoryPipe } from "./memory-pipe.ts";

export { memoryPipePair, MemoryPipe, seededRandom } from "./memory-pipe.ts";
export type { MemoryLinkOptions, MemoryPairOptions } from "./memory-pipe.ts";

export class MemoryNetwork {
  readonly listeners = new Map<string, (pipe: MemoryPipe, dialer: MemoryPipe) => void>();
  nextId = 0;
}

const defaultNetwork = new MemoryNetwork();

export interface MemoryTransportOptions {
  /** Transport name and URL scheme (default "mem"). */
  name?: string;
  /** Where listeners are found (default: one network per process). */
  network?: MemoryNetwork;
  /** Impairments of every pipe pair (dialer = a, acceptor = b). */
  link?: MemoryPairOptions;
  /** Time a dial takes before it connects (or is refused), for timeout and abort tests. */
  dialDelayMs?: number;
}

export interface MemoryTransport extends Transport {
  /** Dialled pipes are MemoryPipes (kill(), blackhole()). */
  dial(url: URL, opts: DialOptions): Promise<MemoryPipe>;
  /** Every connected pair so far, to kill or blackhole a subflow from a test. */
  readonly pairs: ReadonlyArray<readonly [dialer: MemoryPipe, acceptor: MemoryPipe]>;
}

export function memoryTransport(opts: MemoryTransportOptions = {}): MemoryTransport {
  const name = opts.name ?? "mem";
  const network = opts.network ?? defaultNetwork;
  const pairs: Array<readonly [MemoryPipe, MemoryPipe]> = [];
  const key = (host: string): string => `${name}://${host}`;

  function hostOf(url: URL): string {
    if (url.protocol !== `${name}:`) {
      throw new ConfigError("EBADURL", `${url.href}: not a ${name}:// URL`);
    }
    return url.hostname;
  }

  function connect(host: string): MemoryPipe {
    const accept = network.listeners.get(key(host));
    if (!accept) throw new TransportError("ECONNREFUSED", `${name}://${host}: no listener`);
    const id = ++network.nextId;
    const [dialer, acceptor] = memoryPipePair({
      ...opts.link,
      transport: name,
      addresses: [`${host}/c${id}`, host],
    });
    pairs.push([dialer, acceptor]);
    accept(acceptor, dialer);
    return dialer;
  }

  function dial(url: URL, dialOpts: DialOptions): Promise<MemoryPipe> {
    const host = hostOf(url);
    return new Promise<MemoryPipe>((resolve, reject) => {
      const signal = dialOpts.signal;
      let timeout: ReturnType<typeof setTimeout> | undefined;
      let connectTimer: ReturnType<typeof setTimeout> | undefined;
      const cleanup = (): void => {
        clearTimeout(timeout);
        clearTimeout(connectTimer);
        signal?.removeEventListener("abort", onAbort);
      };
      function onAbort(): void {
        cleanup();
        reject(new TransportError("ABORTED", `${url.href}: dial aborted`, { cause: signal?.reason }));
      }
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });
      if (dialOpts.timeoutMs !== undefined) {
        timeout = setTimeout(() => {
          cleanup();
          reject(new TransportError("ETIMEDOUT", `${url.href}: dial timed out`));
        }, dialOpts.timeoutMs);
      }
      connectTimer = setTimeout(() => {
        cleanup();
        try {
          resolve(connect(host));
        } catch (err) {
          reject(err);
        }
      }, opts.dialDelayMs ?? 0);
    });
  }

  async function listen(url: URL, listenOpts: ListenOptions, onPipe: (pipe: Pipe) => void): Promise<Listener> {
    let host = hostOf(url);
    if (host === "" || host === "0") host = `l${++network.nextId}`;
    if (listenOpts.signal?.aborted) throw new TransportError("ABORTED", `${name}://${host}: listen aborted`);
    const k = key(host);
    if (network.listeners.has(k)) throw new TransportError("EADDRINUSE", `${name}://${host}: name in use`);
    const accept = (acceptor: MemoryPipe, dialer: MemoryPipe): void => {
      try {
        onPipe(acceptor);
      } catch (err) {
        dialer.abort(err instanceof Error ? err : new Error(String(err)));
      }
    };
    network.listeners.set(k, accept);
    const close = async (): Promise<void> => {
      listenOpts.signal?.removeEventListener("abort", close);
      if (network.listeners.get(k) === accept) network.listeners.delete(k);
    };
    listenOpts.signal?.addEventListener("abort", close, { once: true });
    return { url: new URL(`${name}://${host}`), port: 0, notes: [], close };
  }

  return { name, schemes: [name], dial: async (url, o) => dial(url, o), listen, pairs };
}
