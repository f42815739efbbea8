/**
 * WebSocket transport, ws:// and wss:// (path, custom headers, Host override, proxies).
 * Client: the `ws` package API on Bun's native client (ws-client.ts). Listener: Bun.serve (ws-server.ts).
 * Pipe semantics over messages (splitting, in-band half-close, backpressure): ws-pipe.ts.
 */
import type { Transport } from "../src/contract/transport.ts";
import { dialWs } from "./ws-client.ts";
import { listenWs } from "./ws-server.ts";

export function wsTransport(): Transport {
  return { name: "ws", schemes: ["ws", "wss"], dialsAddress: true, dial: dialWs, listen: listenWs };
}
