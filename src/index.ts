/** bondcat as a library. */
export { connect, listen, type BondOptions, type BondServer } from "./api/bond.ts";
export { BondedStream } from "./api/stream.ts";
export { TransportRegistry } from "./registry.ts";
export { builtinTransports } from "../transports/index.ts";
export type { Transport, DialOptions, ListenOptions, Listener, TransportOptions } from "../transports/types.ts";
export type { Pipe, PipeHandler, PipeInfo } from "./core/pipe.ts";
export type { SessionOptions } from "./core/options.ts";
export type { SessionStats, SubflowStats } from "./core/stats.ts";
export { BondError, ConfigError, HandshakeError, ProtocolError, SessionError, TransportError } from "./core/errors.ts";
