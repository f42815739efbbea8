/**
 * Server side of the handshake: every accepted pipe either OPENs a new session or JOINs a live one.
 * A failed handshake closes that pipe only; sessions are forgotten when they close.
 */
import { type AcceptLimits, Admission, DEFAULT_ACCEPT_LIMITS, sourceAddress } from "./admission.ts";
import { HandshakeError, type HandshakeErrorCode } from "./errors.ts";
import {
  checkLead,
  clientProofOk,
  decodeHello,
  encodeReply,
  hex,
  HELLO_SIZE,
  HelloKind,
  PROOF_SIZE,
  OpenAuth,
  readMessage,
  ReplyStatus,
  VERSION,
  type Hello,
} from "./handshake.ts";
import { answerAnyOpen } from "./open-auth.ts";
import type { SessionOptions } from "./options.ts";
import type { Pipe } from "../contract/pipe.ts";
import { Session, type SessionEvents } from "./session.ts";
import { Subflow } from "./subflow.ts";

export interface AcceptorHooks {
  /** Asked before answering an OPEN: false refuses it with REFUSED (e.g. one session only, without -k). */
  admit?(): boolean;
  /** A new session: return its events, or null to refuse it (e.g. not keep-open and one is running). */
  session(id: string): SessionEvents | null;
  /** A session was created (after the handshake of its first subflow). */
  opened?(session: Session): void;
  /**
   * A pipe failed its handshake (logged by the caller). Code "EEMPTY": it closed without sending a
   * byte — a load balancer's TCP health check, worth a debug line at most.
   */
  rejected?(pipe: Pipe, err: Error): void;
}

export class Acceptor {
  readonly sessions = new Map<string, Session>();
  /**
   * OPENs between the OK reply and the client's proof: their ids are taken, and a JOIN for one waits
   * for it. (The client JOINs as soon as it sent its proof; on a faster path its JOIN can arrive
   * before that proof.)
   */
  private readonly opening = new Map<string, Promise<void>>();
  /** Handshakes and sessions held, in total and per source address (docs/SECURITY.md). */
  readonly admission: Admission;

  constructor(
    private readonly opts: SessionOptions,
    private readonly hooks: AcceptorHooks,
    limits: Partial<AcceptLimits> = {},
  ) {
    const l = { ...DEFAULT_ACCEPT_LIMITS };
    for (const [k, v] of Object.entries(limits)) if (v !== undefined) (l as Record<string, number>)[k] = v;
    this.admission = new Admission(l);
  }

  /**
   * Hand every accepted pipe here. Never throws. Over a handshake cap the pipe is aborted at once;
   * otherwise it has until `handshakeMs` after the transport accepted it (`info.acceptedAt`).
   */
  accept(pipe: Pipe): void {
    const addr = sourceAddress(pipe.info.remote);
    const full = this.admission.enterHandshake(addr);
    if (full !== null) {
      const e = new HandshakeError("EBUSY", `refused before the handshake: ${full}`);
      pipe.abort(e);
      this.hooks.rejected?.(pipe, e);
      return;
    }
    const sub = new Subflow(pipe, this.opts.now, this.opts.trace);
    const limit = this.admission.limits.handshakeMs;
    const left = limit - (pipe.info.acceptedAt === undefined ? 0 : performance.now() - pipe.info.acceptedAt);
    const deadline = setTimeout(() => sub.abort(new HandshakeError("ETIMEDOUT", `no handshake within ${limit} ms of the connection`)), Math.max(0, left));
    this.handshake(sub, addr)
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        if (sub.state === "handshake") sub.abort(e); // a refusal already replied and closed gracefully
        const silent = !sub.heardFrom && !(e instanceof HandshakeError && e.code === "ETIMEDOUT");
        this.hooks.rejected?.(pipe, silent ? new HandshakeError("EEMPTY", "closed without sending a byte (a health check?)", { cause: e }) : e);
      })
      .finally(() => {
        clearTimeout(deadline);
        this.admission.leaveHandshake(addr);
      });
  }

  private async handshake(sub: Subflow, addr: string): Promise<void> {
    const hello = decodeHello(await readMessage(sub, HELLO_SIZE, this.opts.handshakeMs, (l) => checkLead(l, "dialer")));
    sub.note(`handshake: got HELLO ${hello.kind === HelloKind.OPEN ? "OPEN" : "JOIN"} v${hello.version} session ${hex(hello.sessionId).slice(0, 8)}`);
    if (hello.version !== VERSION) return this.refuse(sub, hello, ReplyStatus.BAD_VERSION, "EVERSION", `peer speaks version ${hello.version}`);
    const id = hex(hello.sessionId);
    if (hello.kind === HelloKind.OPEN) {
      if (this.sessions.has(id) || this.opening.has(id)) {
        return this.refuse(sub, hello, ReplyStatus.SESSION_EXISTS, "ESESSIONEXISTS", "session id in use");
      }
      // Decided before the OK reply, so a refused dialer hears why instead of seeing a reset.
      if (!this.opts.budget.admit()) {
        return this.refuse(sub, hello, ReplyStatus.REFUSED, "EMEMORY", "memory budget nearly used up: not accepting another session");
      }
      if (this.hooks.admit && !this.hooks.admit()) {
        return this.refuse(sub, hello, ReplyStatus.REFUSED, "EREFUSED", "not accepting another session");
      }
      const over = this.admission.refuseSession(addr, this.opening.size);
      if (over !== null) return this.refuse(sub, hello, ReplyStatus.REFUSED, "ELIMIT", `session refused: ${over}`);
      if (hello.auth === OpenAuth.X25519 && this.opts.secret !== "") {
        return this.refuse(sub, hello, ReplyStatus.AUTH_REQUIRED, "EAUTH", "a dialer without the secret");
      }
      const { reply, keys } = answerAnyOpen(this.opts.secret, hello);
      let opened!: () => void;
      this.opening.set(id, new Promise<void>((r) => (opened = r)));
      try {
        await this.prove(sub, hello, reply, keys.authKey);
        const events = this.hooks.session(id);
        if (events === null) throw new HandshakeError("EREFUSED", "not accepting another session");
        const session = new Session(hello.sessionId, keys.sessionKey, "server", this.opts, {
          ...events,
          closed: (err) => {
            this.sessions.delete(id);
            this.admission.sessionClosed(addr);
            events.closed(err);
          },
        });
        this.sessions.set(id, session);
        this.admission.sessionOpened(addr);
        this.hooks.opened?.(session);
        sub.note(`handshake: opened session ${id.slice(0, 8)}`);
        session.addSubflow(sub);
      } finally {
        this.opening.delete(id);
        opened();
      }
      return;
    }
    await this.opening.get(id); // an OPEN of this id still proving itself on another pipe
    const session = this.sessions.get(id);
    if (!session || session.state !== "open") {
      return this.refuse(sub, hello, ReplyStatus.UNKNOWN_SESSION, "EUNKNOWNSESSION", `JOIN for unknown session ${id.slice(0, 8)}`);
    }
    await this.prove(sub, hello, encodeReply(ReplyStatus.OK, hello, null, session.key), session.key);
    sub.note(`handshake: joined session ${id.slice(0, 8)}`);
    session.addSubflow(sub);
  }

  private async prove(sub: Subflow, hello: Hello, reply: Uint8Array, authKey: Uint8Array): Promise<void> {
    sub.write(reply);
    sub.note("handshake: sent REPLY OK with our proof");
    sub.allowEarlyData();
    const proof = await sub.readExact(PROOF_SIZE, this.opts.handshakeMs);
    if (!clientProofOk(authKey, hello.raw, reply, proof)) {
      throw new HandshakeError("EAUTH", "client failed to prove the session key / shared secret");
    }
    sub.note("handshake: got PROOF, verified");
  }

  /** Reply with a refusal and close; a peer that keeps the pipe open anyway loses it soon after. */
  private refuse(sub: Subflow, hello: Hello, status: number, code: HandshakeErrorCode, text: string): never {
    sub.write(encodeReply(status, hello, null, null));
    sub.note(`handshake: sent REPLY status ${status} (${code}) and closed`);
    sub.close();
    const linger = setTimeout(() => sub.abort(new HandshakeError(code, `${text} (closed: the peer kept the pipe open)`)), this.admission.limits.refusedLingerMs);
    linger.unref?.();
    throw new HandshakeError(code, text);
  }

  /** Abort every session (listener shutting down hard). */
  abortAll(reason: string): void {
    for (const s of this.sessions.values()) s.abort(4, reason);
  }
}
