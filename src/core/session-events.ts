/** What a session tells its owner (the application side), and the states it goes through. */
import type { Subflow } from "./subflow.ts";

export interface SessionEvents {
  /** In-order bytes from the peer. Return false to pause delivery until `resume()`. */
  data(view: Uint8Array): boolean;
  /** The peer finished sending (its FIN, after all its data). */
  end(): void;
  /** write()/writeFrame() may be called again after returning false. */
  drain(): void;
  /** The session is over: `err` undefined = both directions closed and acknowledged. */
  closed(err?: Error): void;
  /**
   * A frame given to writeFrame() was acknowledged: nothing refers to its memory any more, the producer
   * may reuse it. Called in the order the frames were written.
   */
  release?(frame: Uint8Array): void;
  subflowUp?(sub: Subflow): void;
  subflowDown?(sub: Subflow, err?: Error): void;
  /** A subflow was put in doubt: `resent` bytes it had in flight went out again on other paths. */
  subflowDoubt?(sub: Subflow, resent: number): void;
}

export type SessionState = "open" | "closing" | "closed";
