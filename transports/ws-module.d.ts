/**
 * The slice of the `ws` package API that ws-client.ts uses. Under Bun, `import "ws"` loads Bun's own
 * implementation of that API on its native WebSocket client (send callbacks settle on the native
 * `drain`; `proxy`, `tls` and `headers` go to the native client). No @types/ws dependency needed.
 */
declare module "ws" {
  import type { EventEmitter } from "node:events";

  interface ClientOptions {
    perMessageDeflate?: boolean;
    maxPayload?: number;
    headers?: Record<string, string>;
    /** Bun: HTTP(S) proxy for the upgrade request (CONNECT tunnel). */
    proxy?: string | { url: string; headers?: Record<string, string> };
    /** Bun: TLS options of the native client. */
    tls?: Record<string, unknown>;
  }

  class WebSocket extends EventEmitter {
    constructor(address: string | URL, options?: ClientOptions);
    binaryType: "nodebuffer" | "arraybuffer" | "fragments";
    readonly bufferedAmount: number;
    readonly readyState: number;
    readonly _socket: { remoteAddress?: string; remotePort?: number } | null;
    send(data: Uint8Array, cb?: (err?: Error | null) => void): void;
    close(code?: number, reason?: string): void;
    terminate(): void;
  }

  export default WebSocket;
  export { WebSocket };
}
