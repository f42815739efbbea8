/**
 * The plugin contract: what the engine (src/core) and transport plugins (transports/) share, and
 * nothing else of bondcat's. Third-party transports import this module only ("bondcat/contract").
 */
export type { Pipe, PipeHandler, PipeInfo } from "./pipe.ts";
export type { Trace } from "./trace.ts";
export type { DialOptions, Listener, ListenOptions, Transport, TransportOptions } from "./transport.ts";
export { BondError, ConfigError, TransportError, quote } from "./errors.ts";
export { bracket, formatAddr, unbracket, urlHost, urlPort } from "./address.ts";
export { WriteQueue } from "./write-queue.ts";
export { PendingCount, plainAddress } from "./pending-count.ts";
