/** The transports built into bondcat. Adding one is one line here. */
import { tcpTransport } from "./tcp.ts";
import { tlsTransport } from "./tls.ts";
import type { Transport } from "../src/contract/transport.ts";
import { wsTransport } from "./ws.ts";

export const builtinTransports = (): Transport[] => [
  tcpTransport(),
  tlsTransport(),
  wsTransport(),
];
