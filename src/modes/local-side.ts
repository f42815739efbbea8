/**
 * The local end of a session: stdio, a relayed socket, an exec'd program, a benchmark source.
 * The session calls data/end/drain; the mode feeds the session after start().
 */
import type { SessionHandle } from "../api/index.ts";

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
  start(session: SessionHandle): void;
  /**
   * Stop taking local input and end our direction (session.end()), e.g. on the first Ctrl-C or an idle
   * timeout; bytes from the peer are still delivered. Optional: without it the caller ends the session.
   */
  finish?(): void;
  /**
   * The session is over (cleanly or not): release everything. A promise = still flushing (e.g. a relay
   * socket's queued bytes after a clean end); the process waits for it before exiting.
   */
  close(err?: Error): void | Promise<void>;
  /**
   * After close() (and its promise): a local failure that turns a clean session end into a failed run,
   * e.g. output that could not be written at the final flush, or a relay target that never took the
   * last bytes. Optional.
   */
  failed?(): Error | undefined;
}
