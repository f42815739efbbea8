import type { Trace } from "../contract/trace.ts";
import { DEFAULT_MAX_MEMORY, MemoryBudget } from "./memory-budget.ts";

/** Engine tunables with their defaults. Validated by src/api/options.ts before anything opens. */
export type SchedulerName = "default" | "redundant";

export interface SessionOptions {
  /** Payload bytes per DATA frame for write() (writeFrame callers choose their own). */
  chunkSize: number;
  /** Largest DATA payload accepted from the peer. */
  maxPayload: number;
  /** Most unacknowledged bytes held; write() reports backpressure above it. */
  sendBuffer: number;
  /** Bytes beyond what the application consumed that the peer may send (reorder buffer bound). */
  recvWindow: number;
  /** Heartbeat period per subflow (RTT samples, liveness). */
  heartbeatMs: number;
  /** A subflow that received nothing for this long is declared dead and its data reinjected. */
  deadAfterMs: number;
  /** With no subflow at all for this long the session fails. */
  graceMs: number;
  /** The same for a listener's session that has not received a data byte yet (docs/SECURITY.md). */
  quietGraceMs: number;
  /** After both directions are closed, how long to wait for the peer to close its pipes. */
  lingerMs: number;
  /** Handshake timeout per pipe. */
  handshakeMs: number;
  /** Sending policy: by capacity (default) or every frame on every subflow (redundant). */
  scheduler: SchedulerName;
  /** Pre-shared secret ("" = none): authenticates OPEN and keys every JOIN. */
  secret: string;
  /** Process-wide cap on buffered bytes, shared by every session (see memory-budget.ts). */
  budget: MemoryBudget;
  /**
   * Hard cap on bytes queued for one subflow's pipe: a peer that stops reading while we owe it more than
   * this loses the subflow. (Acks and pongs are dropped long before: above CONTROL_HIGH_WATER.)
   */
  maxQueue: number;
  /** Monotonic clock in ms (injectable for tests). */
  now: () => number;
  /** Frame-level protocol lines (-vv), null = off (src/contract/trace.ts; set through BondOptions.trace). */
  trace: Trace | null;
}

export const DEFAULT_OPTIONS: SessionOptions = {
  chunkSize: 256 * 1024,
  maxPayload: 1 << 20,
  sendBuffer: 8 << 20,
  recvWindow: 8 << 20,
  heartbeatMs: 1000,
  deadAfterMs: 5000,
  graceMs: 30_000,
  quietGraceMs: 10_000,
  lingerMs: 2000,
  handshakeMs: 10_000,
  scheduler: "default",
  secret: "",
  budget: new MemoryBudget(DEFAULT_MAX_MEMORY),
  maxQueue: 8 << 20,
  now: () => performance.now(),
  trace: null,
};

export function withDefaults(o: Partial<SessionOptions> = {}): SessionOptions {
  const out = { ...DEFAULT_OPTIONS };
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Window the sender may use before the peer's first ACK announces the real one (protocol constant). */
export const INITIAL_WINDOW = 1 << 20;
