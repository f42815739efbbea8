/**
 * TLS transport: the tcp adapter with `tls:` options on Bun.connect / Bun.listen (upgradeTLS inside
 * an HTTP CONNECT tunnel). Certificate policy — CA, name, pins, --insecure, client certificates,
 * the ephemeral self-signed listener certificate — lives in tls-options.ts.
 */
import { dialSocket, hostPort } from "./socket-dial.ts";
import { listenSocket } from "./socket-listen.ts";
import { clientTls, serverTls } from "./tls-options.ts";

import type { Transport } from "../src/contract/transport.ts";
import { formatAddr } from "../src/contract/address.ts";

export function tlsTransport(): Transport {
  return {
    name: "tls",
    schemes: ["tls"],
    bindsLocalAddress: true,
    dialsAddress: true,
    dial: async (url, opts) => {
      const { host, port } = hostPort(url, true);
      return dialSocket("tls", url, opts, clientTls(host, opts, `tls dial ${formatAddr(host, port)}`));
    },
    listen: async (url, opts, onPipe) => {
      const { host, port } = hostPort(url, false);
      const plan = serverTls(opts, [host], `tls listen ${formatAddr(host || "0.0.0.0", port)}`);
      return listenSocket("tls", url, opts, onPipe, plan);
    },
  };
}
