/**
 * v0 lead bytes (docs/PROTOCOL.md appendix A): the dialer writes `00` + a 16-byte connection id (CID;
 * zeros for a new connection), the listener answers `00` + the CID (a fresh one for a new connection).
 * Dialer side here: open a session over the first pipe, join more pipes to it. The engine behind it is
 * the usual Session; every subflow is a V0Pipe adapter.
 */
import { randomBytes } from "node:crypto";
import { HandshakeError } from "../../core/errors.ts";
import type { SessionOptions } from "../../core/options.ts";
import type { Pipe } from "../../contract/pipe.ts";
import { Session, type SessionEvents } from "../../core/session.ts";
import { Subflow } from "../../core/subflow.ts";
import { PeekedPipe } from "../peeked-pipe.ts";
import { SILENT_LOG, V0Connection, type V0Log } from "./connection.ts";
import { V0Pipe } from "./pipe.ts";

export const V0_VERSION = 0;
export const V0_LEAD_SIZE = 17;
export const CID_SIZE = 16;

export function encodeLead(cid: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(V0_LEAD_SIZE);
  b[0] = V0_VERSION;
  if (cid) b.set(cid, 1);
  return b;
}

export function isZero(b: Uint8Array): boolean {
  for (const x of b) if (x !== 0) return false;
  return true;
}

export function newCid(): Uint8Array {
  return new Uint8Array(randomBytes(CID_SIZE));
}

/** A random key no JOIN can prove: v1 JOINs to a v0 session are refused. */
export function unusableKey(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

/** Read the listener's answer: version 0 and (for a join) the CID we sent. */
async function answer(p: PeekedPipe, sent: Uint8Array | null, timeoutMs: number): Promise<Uint8Array> {
  let lead: Uint8Array;
  try {
    lead = await p.peek(V0_LEAD_SIZE, timeoutMs);
  } catch (err) {
    if (err instanceof HandshakeError && err.code === "ECLOSED") {
      throw new HandshakeError("ECLOSED", "the listener closed the connection during the v0 handshake (a bondcat v1 listener accepts v0 only with --compat v0)");
    }
    throw err;
  }
  if (lead[0] !== V0_VERSION) {
    throw new HandshakeError("EVERSION", `the listener answered the v0 handshake with version byte ${lead[0]} (not the original bondcat?)`);
  }
  const cid = lead.slice(1);
  if (sent ? !cid.every((b, i) => b === sent[i]) : isZero(cid)) {
    throw new HandshakeError("EREPLY", "the v0 listener answered with a wrong connection id");
  }
  p.consume(V0_LEAD_SIZE);
  return cid;
}

const connections = new WeakMap<Session, V0Connection>();

/** The dialer's handshakes for the PathManager (its `Handshaker`): open, then join more pipes. */
export function v0Handshaker(log: V0Log = SILENT_LOG) {
  return {
    open: (pipe: Pipe, opts: SessionOptions, events: SessionEvents, label: string) => openV0Session(pipe, opts, events, label, log),
    join: joinV0Session,
  };
}

/** OPEN-equivalent: a new v0 connection over `pipe`. On failure the pipe is aborted and the error rethrown. */
export async function openV0Session(pipe: Pipe, opts: SessionOptions, events: SessionEvents, label = "", log: V0Log = SILENT_LOG): Promise<Session> {
  const p = new PeekedPipe(pipe);
  try {
    p.write(encodeLead(null));
    const cid = await answer(p, null, opts.handshakeMs);
    const conn = new V0Connection(cid, opts, log);
    const session = new Session(cid, unusableKey(), "client", opts, {
      ...events,
      closed: (err) => {
        conn.dispose();
        events.closed(err);
      },
    });
    connections.set(session, conn);
    addV0Subflow(session, conn, p, true, label);
    return session;
  } catch (err) {
    p.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

/** JOIN-equivalent: one more subflow of a v0 connection opened here. */
export async function joinV0Session(session: Session, pipe: Pipe, label = ""): Promise<Subflow> {
  const conn = connections.get(session);
  const p = new PeekedPipe(pipe);
  try {
    if (!conn) throw new HandshakeError("ESTATE", "not a v0 session");
    p.write(encodeLead(conn.cid));
    await answer(p, conn.cid, session.opts.handshakeMs);
    return addV0Subflow(session, conn, p, true, label);
  } catch (err) {
    p.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

/** Put a v0 subflow (lead bytes done) under the engine: adapter, Subflow, session. */
export function addV0Subflow(session: Session, conn: V0Connection, p: Pipe, dialer: boolean, label = ""): Subflow {
  const sub = new Subflow(new V0Pipe(p, conn, dialer), session.opts.now, session.opts.trace);
  sub.label = label;
  session.addSubflow(sub);
  return sub;
}
