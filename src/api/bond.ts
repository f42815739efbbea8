/**
 * Library API: open bonded streams from other programs.
 *
 *   const stream = await connect(["tcp://a:9000", "tcp://b:9000"], { multiplier: 2 });
 *   const server = await listen(["tcp://0.0.0.0:9000"], {}, (stream) => stream.pipe(stream));
 */
import { Acceptor } from "../core/acceptor.ts";
import { type SessionOptions, withDefaults } from "../core/options.ts";
import { PathManager } from "../core/path-manager.ts";
import { parseEndpoint } from "../paths/endpoint.ts";
import { buildPaths } from "../paths/build-paths.ts";
import { TransportRegistry } from "../paths/registry.ts";
import { builtinTransports } from "../../transports/index.ts";
import type { Listener, Transport, TransportOptions } from "../contract/transport.ts";
import { BondedStream } from "./stream.ts";

export interface BondOptions extends TransportOptions {
  /** Subflows per endpoint (default 1). */
  multiplier?: number;
  /** Endpoints used only while no primary subflow is up. */
  backup?: string[];
  /** Extra transports (third-party plugins) next to the built-in ones, or a registry to use as is. */
  transports?: Transport[] | TransportRegistry;
  /** Engine tunables (chunk size, buffers, timeouts, secret …). */
  session?: Partial<SessionOptions>;
  /** Dial each endpoint from every usable local address on multi-homed hosts (default true). */
  autoDetect?: boolean;
  /** Dial every address of a name, not only its first IPv4 and first IPv6 address (default false). */
  allAddresses?: boolean;
  /** Dial timeout per subflow, ms (default 10 s). */
  dialTimeoutMs?: number;
}

function registryOf(o: BondOptions): TransportRegistry {
  if (o.transports instanceof TransportRegistry) return o.transports;
  const r = new TransportRegistry(builtinTransports());
  for (const t of o.transports ?? []) r.register(t);
  return r;
}

function sessionOptions(o: BondOptions): SessionOptions {
  return withDefaults({ ...o.session });
}

const BUILTIN = /^(tcp|tls|ws|wss):\/\//i;

/** Built-in schemes and bare host:port are parsed and checked; a plugin's URL is taken as it is. */
function toUrl(x: string, listen: boolean): URL {
  if (x.includes("://") && !BUILTIN.test(x)) return new URL(x);
  return listen ? parseEndpoint(x, "tcp", { listen: true }) : parseEndpoint(x);
}

const urls = (xs: string | string[], listen = false): URL[] => (Array.isArray(xs) ? xs : [xs]).map((x) => toUrl(x, listen));

/** Dial every endpoint × multiplier and resolve with the bonded stream once the session is open. */
export async function connect(endpoints: string | string[], o: BondOptions = {}): Promise<BondedStream> {
  const registry = registryOf(o);
  const paths = await buildPaths(
    {
      endpoints: urls(endpoints),
      backup: urls(o.backup ?? []),
      multiplier: o.multiplier ?? 1,
      autoDetect: o.autoDetect ?? true,
      allAddresses: o.allAddresses ?? false,
      ...(o.family !== undefined ? { family: o.family } : {}),
      dialTimeoutMs: o.dialTimeoutMs ?? 10_000,
    },
    registry,
    o,
  );
  const stream = new BondedStream();
  const session = await new PathManager(paths, sessionOptions(o)).open(stream.events);
  stream.attach(session);
  return stream;
}

export interface BondServer {
  readonly listeners: Listener[];
  close(): Promise<void>;
}

/** Accept bonded sessions on every address; `onStream` gets each as a stream. */
export async function listen(
  addresses: string | string[],
  o: BondOptions,
  onStream: (stream: BondedStream) => void,
): Promise<BondServer> {
  const registry = registryOf(o);
  const streams = new Map<string, BondedStream>();
  const acceptor = new Acceptor(sessionOptions(o), {
    session: (id) => {
      const s = new BondedStream();
      streams.set(id, s);
      return s.events;
    },
    opened: (session) => {
      const s = streams.get(session.idHex);
      streams.delete(session.idHex);
      if (!s) return;
      s.attach(session);
      onStream(s);
    },
  });
  const listeners: Listener[] = [];
  try {
    for (const u of urls(addresses, true)) {
      listeners.push(await registry.listen(u, o, (pipe) => acceptor.accept(pipe)));
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  return {
    listeners,
    close: async () => {
      await Promise.all(listeners.map((l) => l.close()));
    },
  };
}
