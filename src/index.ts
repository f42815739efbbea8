/** bondcat as a library. */
export { connect, listen, type BondOptions, type BondServer, BondedStream, TransportRegistry, builtinTransports } from "./api/index.ts";
export { AbortCode, MemoryBudget, type SessionStats, type SubflowStats } from "./api/index.ts";
export { BondError, ConfigError, HandshakeError, PeerAbortError, ProtocolError, SessionError, TransportError } from "./api/index.ts";
export type { Transport, DialOptions, ListenOptions, Listener, TransportOptions } from "./contract/transport.ts";
export type { Pipe, PipeHandler, PipeInfo } from "./contract/pipe.ts";
export type { Trace } from "./contract/trace.ts";
export type { SessionOptions } from "./core/options.ts";
