/**
 * What the CLI and the local sides (src/modes) may do with a live session: write, end, resume, abort,
 * read counters and stats. Narrower than the engine's Session (no buffers, subflows or timers), so
 * nothing outside the engine reaches into its send or reorder buffers.
 */
import type { Session } from "../core/session.ts";

export type SessionHandle = Readonly<
  Pick<
    Session,
    "idHex" | "state" | "drainSoon" | "sendFinished" | "reinjectedBytes" | "bytesMoved" | "write" | "writeFrame" | "end" | "resume" | "abort" | "stats"
  >
>;
export type { SessionEvents, SessionState } from "../core/session.ts";
export type { SessionStats, SubflowStats } from "../core/stats.ts";
export { AbortCode, HEADER_SIZE } from "../core/frame.ts";
