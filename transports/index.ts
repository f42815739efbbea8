/** The transports built into bondcat. Adding one is one line here. */
import { tcpTransport } from "./tcp.ts";
import type { Transport } from "./types.ts";

export const builtinTransports = (): Transport[] => [
  tcpTransport(),
];
