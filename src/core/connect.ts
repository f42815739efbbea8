/**
 * Client side of the handshake: OPEN a new session over a first pipe, JOIN more pipes to it.
 * A failed JOIN closes that pipe only.
 */
import { HandshakeError } from "./errors.ts";
import {
  checkLead,
  clientProof,
  decodeReply,
  encodeHello,
  HelloKind,
  hex,
  newSessionId,
  type OpenKeys,
  readMessage,
  REPLY_SIZE,
  serverProofOk,
} from "./handshake.ts";
import { beginOpen } from "./open-auth.ts";
import type { SessionOptions } from "./options.ts";
import type { Pipe } from "../contract/pipe.ts";
import { Session, type SessionEvents } from "./session.ts";
import { Subflow } from "./subflow.ts";

/** What a silent listener probably is, and what to do about it (also logged after ~2 s of silence). */
export const SILENT_LISTENER_HINT = "if it is the original bondcat (Go, wire v0), try --compat v0";

async function exchange(sub: Subflow, hello: Uint8Array, authKeyFor: (reply: Uint8Array) => Uint8Array, opts: SessionOptions) {
  sub.write(hello);
  sub.note(`handshake: sent HELLO ${hello[5] === HelloKind.OPEN ? "OPEN" : "JOIN"} session ${hex(hello.subarray(8, 24)).slice(0, 8)}`);
  let answered = false;
  const check = (l: Uint8Array): void => {
    answered = true;
    checkLead(l, "listener");
  };
  const message = await readMessage(sub, REPLY_SIZE, opts.handshakeMs, check).catch((err: unknown) => {
    // A listener that accepts the connection and then says nothing at all is most likely the original
    // bondcat: it reads our HELLO as v0 lead bytes and waits for more.
    if (!answered && err instanceof HandshakeError && err.code === "ETIMEDOUT") {
      throw new HandshakeError("ENOANSWER", `the listener did not answer the handshake within ${opts.handshakeMs} ms; ${SILENT_LISTENER_HINT}`);
    }
    throw err;
  });
  const reply = decodeReply(message, hello);
  sub.note("handshake: got REPLY OK");
  const authKey = authKeyFor(reply.raw);
  if (!serverProofOk(authKey, hello, reply.raw)) {
    throw new HandshakeError("EAUTH", "the listener could not prove the shared secret (--secret mismatch?)");
  }
  sub.write(clientProof(authKey, hello, reply.raw));
  sub.note("handshake: listener's proof verified, sent PROOF");
  return reply;
}

/**
 * OPEN a session over `pipe`. On failure the pipe is aborted and the error rethrown. `id` is chosen
 * before the first dial when the transports need it (e.g. the WebSocket `Bondcat-Session` header).
 */
export async function openSession(pipe: Pipe, opts: SessionOptions, events: SessionEvents, label = "", id: Uint8Array = newSessionId()): Promise<Session> {
  const sub = new Subflow(pipe, opts.now, opts.trace);
  sub.label = label;
  try {
    const { hello, finish } = beginOpen(opts.secret, id);
    let keys!: OpenKeys;
    await exchange(sub, hello, (reply) => (keys = finish(reply)).authKey, opts);
    const session = new Session(id, keys.sessionKey, "client", opts, events);
    session.addSubflow(sub);
    return session;
  } catch (err) {
    sub.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}

/** JOIN `pipe` to a session opened here. On failure the pipe is aborted and the error rethrown. */
export async function joinSession(session: Session, pipe: Pipe, label = ""): Promise<Subflow> {
  const sub = new Subflow(pipe, session.opts.now, session.opts.trace);
  sub.label = label;
  try {
    const hello = encodeHello(HelloKind.JOIN, session.id, null);
    await exchange(sub, hello, () => session.key, session.opts);
    session.addSubflow(sub);
    return sub;
  } catch (err) {
    sub.abort(err instanceof Error ? err : new Error(String(err)));
    throw err;
  }
}
