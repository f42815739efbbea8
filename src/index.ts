/** bondcat as a library. */
export { connect, listen, type BondOptions, type BondServer } from "./api/bond.ts";
export { BondedStream } from "./api/stream.ts";
export { TransportRegistry } from "./paths/registry.ts";
export { builtinTransports } from "../transports/index.ts";
export type { Transport, DialOptions, ListenOptions, Listener, TransportOptions } from "./contract/transport.ts";
export type { Pipe, PipeHandler, PipeInfo } from "./contract/pipe.ts";
export type { SessionOptions } from "./core/options.ts";
export { MemoryBudget } from "./core/memory-budget.ts";
export type { SessionStats, SubflowStats } from "./core/stats.ts";
export { BondError, ConfigError, TransportError } from "./contract/errors.ts";
export { HandshakeError, ProtocolError, SessionError } from "./core/errors.ts";
