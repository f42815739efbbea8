/**
 * Plain TCP transport on Bun.connect / Bun.listen (≈11% faster than node:net here). The socket
 * adapter (and the Bun facts it relies on) lives in socket-pipe.ts, shared with tls.ts; dialing,
 * proxies and listening in socket-dial.ts / socket-listen.ts.
 */
import { dialSocket } from "./socket-dial.ts";
import { listenSocket } from "./socket-listen.ts";
import type { Transport } from "../src/contract/transport.ts";

export function tcpTransport(): Transport {
  return {
    name: "tcp",
    schemes: ["tcp"],
    bindsLocalAddress: true,
    dialsAddress: true,
    dial: async (url, opts) => dialSocket("tcp", url, opts, null),
    listen: (url, opts, onPipe) => listenSocket("tcp", url, opts, onPipe, null),
  };
}
