/**
 * Listener side of `--compat v0`: every accepted pipe is looked at first. A v1 HELLO (or anything not
 * starting with the v0 version byte 00) goes on to the v1 acceptor unchanged; a v0 dialer is served
 * here with the same hooks (so the listener's limits — one session without -k, the handshake timeout —
 * hold for v0 too), unless a secret is configured: v0 cannot authenticate, so it is refused then.
 */
import { type AcceptorHooks } from "../../core/acceptor.ts";
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
    /** Where v1 pipes go (the v1 Acceptor's accept). */
    private readonly v1: (pipe: Pipe) => void,
    private readonly log: V0Log = SILENT_LOG,
  ) {}

  /** Hand every accepted pipe here. Never throws. */
  accept(pipe: Pipe): void {
    const p = new PeekedPipe(pipe);
    this.route(p).catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      p.abort(e);
      this.hooks.rejected?.(pipe, e);
    });
  }

  private async route(p: PeekedPipe): Promise<void> {
    const first = await p.peek(1, this.opts.handshakeMs);
    if (first[0] !== V0_VERSION) return this.v1(p);
    if (this.opts.secret !== "") {
      throw new HandshakeError("EV0AUTH", "it looks like the original bondcat (wire v0), refused: --secret is set and v0 cannot authenticate");
    }
    const lead = await p.peek(V0_LEAD_SIZE, this.opts.handshakeMs);
    p.consume(V0_LEAD_SIZE);
    const cid = lead.slice(1, 1 + CID_SIZE);
    if (isZero(cid)) return this.open(p);
    const id = hex(cid);
    const known = this.sessions.get(id);
    if (!known || known.session.state !== "open") {
      throw new HandshakeError("EUNKNOWNCID", `v0 subflow for unknown connection ${id.slice(0, 8)} dropped`);
    }
    p.write(encodeLead(cid));
    addV0Subflow(known.session, known.conn, p, false, "v0");
  }

  private open(p: PeekedPipe): void {
    if (this.hooks.admit && !this.hooks.admit()) throw new HandshakeError("EREFUSED", "v0 connection refused: not accepting another session");
    const cid = newCid();
    const id = hex(cid);
    const events = this.hooks.session(id);
    if (events === null) throw new HandshakeError("EREFUSED", "v0 connection refused: not accepting another session");
    const conn = new V0Connection(cid, this.opts, this.log);
    const session = new Session(cid, unusableKey(), "server", this.opts, {
      ...events,
      closed: (err) => {
        this.sessions.delete(id);
        events.closed(err);
      },
    });
    this.sessions.set(id, { session, conn });
    p.write(encodeLead(cid));
    this.hooks.opened?.(session);
    addV0Subflow(session, conn, p, false, "v0");
  }
}
