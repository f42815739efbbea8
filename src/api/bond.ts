/**
 * Library API: open bonded streams from other programs.
 *
 *   const stream = await connect(["tcp://a:9000", "tcp://b:9000"], { multiplier: 2 });
 *   const server = await listen(["tcp://0.0.0.0:9000"], {}, (stream) => stream.pipe(stream));
 *
 * Built on openSession()/serve(), the same composition the CLI runs on.
 */
import { type Endpoints, openSession, planConnect } from "./client.ts";
import type { BondOptions } from "./options.ts";
import { type BondServer, serve } from "./server.ts";
import { BondedStream } from "./stream.ts";

/** Dial every endpoint × multiplier and resolve with the bonded stream once the session is open. */
export async function connect(endpoints: Endpoints, o: BondOptions = {}): Promise<BondedStream> {
  const stream = new BondedStream();
  stream.attach(await openSession(await planConnect(endpoints, o), stream.events));
  return stream;
}

/** Accept bonded sessions on every address; `onStream` gets each as a stream. */
export async function listen(addresses: Endpoints, o: BondOptions, onStream: (stream: BondedStream) => void): Promise<BondServer> {
  const streams = new Map<string, BondedStream>();
  return serve(addresses, o, {
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
}
