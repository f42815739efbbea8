/**
 * The local end of a session: stdio, a relayed socket, an exec'd program, a benchmark source.
 * The session calls data/end/drain; the mode feeds the session after start().
 */
import type { Session } from "../core/session.ts";

export interface LocalSide {
  /** In-order bytes from the peer; false = pause until the side calls session.resume(). */
  data(view: Uint8Array): boolean;
  /** The peer finished sending. */
  end(): void;
  /** The session can take more of our input. */
  drain(): void;
  /** A frame this side gave to session.writeFrame() is free for reuse (optional). */
  release?(frame: Uint8Array): void;
  /** The session is open: start feeding it. */
  start(session: Session): void;
  /** The session is over (cleanly or not): release everything. */
  close(err?: Error): void;
}
