/**
 * The composition layer: the only place that puts the engine (src/core), the transports and the paths
 * together. The library (src/index.ts) and the CLI (src/cli) both stand on this module.
 */
export { connect, listen } from "./bond.ts";
export { BondedStream } from "./stream.ts";
export { type ConnectHooks, type ConnectPlan, type Endpoints, openSession, planConnect } from "./client.ts";
export { type BondServer, type ServeHooks, serve } from "./server.ts";
export { type BondOptions, DEFAULTS, LIMITS, type ResolvedOptions, resolveOptions, type SchedulerName } from "./options.ts";
export { AbortCode, HEADER_SIZE, type SessionEvents, type SessionHandle, type SessionState, type SessionStats, type SubflowStats } from "./handle.ts";
export { DEFAULT_MAX_PAYLOAD } from "../core/frame.ts";
export { MemoryBudget } from "../core/memory-budget.ts";
export {
  HandshakeError, type HandshakeErrorCode, PeerAbortError, ProtocolError, type ProtocolErrorCode, SessionError, type SessionErrorCode,
} from "../core/errors.ts";
export { BondError, ConfigError, type ConfigErrorCode, TransportError, type TransportErrorCode } from "../contract/errors.ts";
export type { Trace } from "../contract/trace.ts";
export { TransportRegistry } from "../paths/registry.ts";
export { builtinTransports } from "../../transports/index.ts";
