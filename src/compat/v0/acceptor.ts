/**
 * Listener side of `--compat v0`: every accepted pipe is looked at first. A v1 HELLO (or anything not
 * starting with the v0 version byte 00) goes on to the v1 acceptor unchanged; a v0 dialer is served
 * here with the same hooks and the v1 acceptor's admission (handshake deadline, pending handshakes and
 * sessions in total and per source address, the memory budget, one session without -k), unless a
 * secret is configured: v0 cannot authenticate, so it is refused then.
 */
import type { Acceptor, AcceptorHooks } from "../../core/acceptor.ts";
import { sourceAddress } from "../../core/admission.ts";
import { HandshakeError } from "../../core/errors.ts";
import { hex } from "../../core/handshake.ts";
import type { SessionOptions } from "../../core/options.ts";
import type { Pipe } from "../../contract/pipe.ts";
import { Session } from "../../core/session.ts";
import { PeekedPipe } from "../peeked-pipe.ts";
import { SILENT_LOG, V0Connection, type V0Log } from "./connection.ts";
import { addV0Subflow, CID_SIZE, encodeLead, isZero, newCid, unusableKey, V0_LEAD_SIZE, V0_VERSION } from "./handshake.ts";

export class V0Acceptor {
  readonly sessions = new Map<string, { session: Session; conn: V0Connection }>();

  constructor(
    private readonly opts: SessionOptions,
    private readonly hooks: AcceptorHooks,
    /** Where v1 pipes go; its admission counts v0 pipes and sessions too. */
    private readonly v1: Acceptor,
    private readonly log: V0Log = SILENT_LOG,
  ) {}

  /** Hand every accepted pipe here. Never throws. */
  accept(pipe: Pipe): void {
    const admission = this.v1.admission;
    const addr = sourceAddress(pipe.info.remote);
    const full = admission.enterHandshake(addr);
    if (full !== null) {
      const e = new HandshakeError("EBUSY", `refused before the handshake: ${full}`);
      pipe.abort(e);
      this.hooks.rejected?.(pipe, e);
      return;
    }
    const p = new PeekedPipe(pipe);
    const limit = admission.limits.handshakeMs;
    const left = limit - (pipe.info.acceptedAt === undefined ? 0 : performance.now() - pipe.info.acceptedAt);
    let counted = true;
    const leave = (): void => {
      if (counted) admission.leaveHandshake(addr);
      counted = false;
    };
    const deadline = setTimeout(() => p.abort(new HandshakeError("ETIMEDOUT", `no handshake within ${limit} ms of the connection`)), Math.max(0, left));
    this.route(p, addr, () => {
      // A v1 pipe: the v1 acceptor counts it (and times it) from here on.
      clearTimeout(deadline);
      leave();
      this.v1.accept(p);
    })
      .catch((err: unknown) => {
        const e = err instanceof Error ? err : new Error(String(err));
        p.abort(e);
        this.hooks.rejected?.(pipe, e);
      })
      .finally(() => {
        clearTimeout(deadline);
        leave();
      });
  }

  private async route(p: PeekedPipe, addr: string, toV1: () => void): Promise<void> {
    const first = await p.peek(1, this.opts.handshakeMs);
    if (first[0] !== V0_VERSION) return toV1();
    if (this.opts.secret !== "") {
      throw new HandshakeError("EV0AUTH", "it looks like the original bondcat (wire v0), refused: --secret is set and v0 cannot authenticate");
    }
    const lead = await p.peek(V0_LEAD_SIZE, this.opts.handshakeMs);
    p.consume(V0_LEAD_SIZE);
    const cid = lead.slice(1, 1 + CID_SIZE);
    if (isZero(cid)) return this.open(p, addr);
    const id = hex(cid);
    const known = this.sessions.get(id);
    if (!known || known.session.state !== "open") {
      throw new HandshakeError("EUNKNOWNCID", `v0 subflow for unknown connection ${id.slice(0, 8)} dropped`);
    }
    p.write(encodeLead(cid));
    addV0Subflow(known.session, known.conn, p, false, "v0");
  }

  private open(p: PeekedPipe, addr: string): void {
    const refused = (why: string): HandshakeError => new HandshakeError("EREFUSED", `v0 connection refused: ${why}`);
    if (!this.opts.budget.admit()) throw refused("memory budget nearly used up");
    if (this.hooks.admit && !this.hooks.admit()) throw refused("not accepting another session");
    const admission = this.v1.admission;
    const over = admission.refuseSession(addr);
    if (over !== null) throw refused(over);
    const cid = newCid();
    const id = hex(cid);
    const events = this.hooks.session(id);
    if (events === null) throw refused("not accepting another session");
    const conn = new V0Connection(cid, this.opts, this.log);
    const session = new Session(cid, unusableKey(), "server", this.opts, {
      ...events,
      closed: (err) => {
        conn.dispose();
        this.sessions.delete(id);
        admission.sessionClosed(addr);
        events.closed(err);
      },
    });
    this.sessions.set(id, { session, conn });
    admission.sessionOpened(addr);
    p.write(encodeLead(cid));
    this.hooks.opened?.(session);
    addV0Subflow(session, conn, p, false, "v0");
  }
}
