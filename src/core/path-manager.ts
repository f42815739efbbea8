/**
 * Client-side path manager: dials every path, OPENs the session over the first pipe that connects,
 * JOINs the others, and re-dials a path whose subflow died (jittered exponential backoff) for as long
 * as the session lives. Paths are opaque dial functions: no URLs or sockets here.
 */
import { TransportError } from "../contract/errors.ts";
import { HandshakeError, SessionError } from "./errors.ts";
import { joinSession, openSession } from "./connect.ts";
import { hex, newSessionId } from "./handshake.ts";
import type { SessionOptions } from "./options.ts";
import type { Pipe } from "../contract/pipe.ts";
import type { Session, SessionEvents } from "./session.ts";
import type { Subflow } from "./subflow.ts";
import { PeerGoneWatch } from "./peer-gone.ts";
import { AbortCode } from "./frame.ts";

export interface PathSpec {
  /** Printable, e.g. "tcp://10.0.0.2:9000 #2". */
  label: string;
  /** Carries data only while no primary subflow is up. */
  backup: boolean;
  /** `sessionId`: the session's id as 32 lowercase hex, the same on every dial of one session. */
  dial(signal: AbortSignal, sessionId: string): Promise<Pipe>;
}

/** How a pipe becomes a subflow: protocol v1 by default (connect.ts); the v0 compatibility mode has its own. */
export interface Handshaker {
  open(pipe: Pipe, opts: SessionOptions, events: SessionEvents, label: string, id: Uint8Array): Promise<Session>;
  join(session: Session, pipe: Pipe, label: string): Promise<Subflow>;
}

export const V1_HANDSHAKE: Handshaker = { open: openSession, join: joinSession };

/** A listener that stays silent this long after the HELLO gets `silent` (the original bondcat does). */
export const SILENT_HINT_MS = 2000;

export interface PathEvents {
  /** The first handshake got no answer for SILENT_HINT_MS (it goes on until the handshake timeout). */
  silent?(path: PathSpec): void;
  dialFailed?(path: PathSpec, err: Error, attempt: number): void;
  up?(path: PathSpec, sub: Subflow): void;
  down?(path: PathSpec, sub: Subflow, err?: Error): void;
  /** A path given up for good without an error: another machine behind the same name (not our peer). */
  dropped?(path: PathSpec, why: string): void;
}

export interface BackoffOptions {
  minMs: number;
  maxMs: number;
}

const DEFAULT_BACKOFF: BackoffOptions = { minMs: 250, maxMs: 5000 };

export class PathManager {
  private readonly bySub = new Map<Subflow, PathSpec>();
  private readonly abort = new AbortController();
  private session: Session | null = null;
  /** The address (without port) of the pipe the session was opened on. */
  /** Refusals and UNKNOWN_SESSION with no subflow up: the peer is gone, not the network (peer-gone.ts). */
  private readonly gone: PeerGoneWatch<PathSpec>;
  private openedOn = "";
  /** Chosen before the first dial: transports may carry it (the WebSocket `Bondcat-Session` header). */
  private readonly id = newSessionId();
  readonly sessionId = hex(this.id);

  constructor(
    private readonly paths: readonly PathSpec[],
    private readonly opts: SessionOptions,
    private readonly hooks: PathEvents = {},
    private readonly backoff: BackoffOptions = DEFAULT_BACKOFF,
    private readonly handshake: Handshaker = V1_HANDSHAKE,
  ) {
    if (paths.length === 0) throw new SessionError("ENOPATHS", "no paths to dial");
    this.gone = new PeerGoneWatch(paths);
  }

  /**
   * Dial all paths; resolve with the session once one pipe completed the OPEN handshake.
   * Rejects with the last TransportError when every path failed, or a HandshakeError at once.
   */
  async open(events: SessionEvents): Promise<Session> {
    const wrapped: SessionEvents = {
      ...events,
      subflowUp: (sub) => events.subflowUp?.(sub),
      subflowDown: (sub, err) => {
        events.subflowDown?.(sub, err);
        this.onDown(sub, err);
      },
      closed: (err) => {
        this.abort.abort();
        events.closed(err);
      },
    };
    const dials = this.paths.map((p) =>
      p.dial(this.abort.signal, this.sessionId).then(
        (pipe) => ({ p, pipe }),
        (err: unknown) => {
          this.hooks.dialFailed?.(p, toError(err), 0);
          throw err;
        },
      ),
    );
    let lastErr: unknown = new TransportError("ECONNECT", "no path could be dialed");
    const tagged = dials.map((d, i) => d.then((r) => ({ ...r, i })));
    let opened: { session: Session; path: PathSpec } | null = null;
    const remaining = new Set(tagged.map((_, i) => i));
    while (remaining.size > 0 && opened === null) {
      const race = [...remaining].map((i) =>
        tagged[i]!.then(
          (r) => ({ ok: true as const, ...r }),
          (err: unknown) => ({ ok: false as const, i, err }),
        ),
      );
      const r = await Promise.race(race);
      remaining.delete(r.i);
      if (!r.ok) {
        lastErr = r.err;
        continue;
      }
      // stop() during the handshake drops this pipe too (an aborted connect must not linger).
      const stopped = (): void => r.pipe.abort(new SessionError("EABORTED", "stopped while opening"));
      this.abort.signal.addEventListener("abort", stopped, { once: true });
      const hint = setTimeout(() => this.hooks.silent?.(r.p), SILENT_HINT_MS);
      try {
        const session = await this.handshake.open(r.pipe, this.opts, wrapped, r.p.label, this.id);
        opened = { session, path: r.p };
      } catch (err) {
        if (err instanceof HandshakeError && err.code !== "ECLOSED" && err.code !== "ETIMEDOUT") {
          this.giveUp(tagged, remaining);
          throw err;
        }
        lastErr = err;
      } finally {
        clearTimeout(hint);
        this.abort.signal.removeEventListener("abort", stopped);
      }
    }
    if (opened === null) {
      this.giveUp(tagged, remaining);
      throw lastErr;
    }
    const { session, path } = opened;
    this.session = session;
    this.openedOn = hostOf(session.subflows[0]?.info.remote ?? "");
    const first = session.subflows[0];
    if (first) this.track(first, path);
    // Every other path: JOIN when its dial succeeds; re-dial later when it fails.
    for (const i of remaining) {
      const p = this.paths[i]!;
      tagged[i]!.then(
        (r) => this.join(p, r.pipe, 0),
        () => this.redial(p, 1),
      );
    }
    return session;
  }

  /** Abort dials in progress and close pipes that still connect. */
  private giveUp(tagged: Promise<{ pipe: Pipe }>[], remaining: Set<number>): void {
    this.abort.abort();
    for (const i of remaining) {
      tagged[i]!.then(
        (r) => r.pipe.abort(new SessionError("ECLOSED", "session not opened")),
        () => {},
      );
    }
  }

  /** Stop dialing (the session is closing or closed). */
  stop(): void {
    this.abort.abort();
  }

  private track(sub: Subflow, p: PathSpec): void {
    sub.backup = p.backup;
    this.bySub.set(sub, p);
    this.hooks.up?.(p, sub);
  }

  private async join(p: PathSpec, pipe: Pipe, attempt: number): Promise<void> {
    const s = this.session;
    if (!s || s.state !== "open" || this.abort.signal.aborted) {
      pipe.abort(new SessionError("ECLOSED", "session over"));
      return;
    }
    try {
      const sub = await this.handshake.join(s, pipe, p.label);
      this.gone.dialed(p, null, 1);
      this.track(sub, p);
      if (sub.state !== "up") this.onDown(sub, sub.error);
    } catch (err) {
      const unknown = err instanceof HandshakeError && err.code === "EUNKNOWNSESSION";
      const other = hostOf(pipe.info.remote);
      if (unknown && other !== this.openedOn) {
        this.gone.retire(p);
        return this.hooks.dropped?.(p, `${other} does not know the session (another machine than ${this.openedOn}): path dropped`);
      }
      this.hooks.dialFailed?.(p, toError(err), attempt);
      if (unknown) {
        this.gone.retire(p); // the peer forgot us: with no subflow up, it is gone
        this.peerGone(this.gone.forgotten(other, s.subflows.length));
        return;
      }
      if (this.peerGone(this.gone.dialed(p, toError(err), s.subflows.length))) return;
      this.redial(p, attempt + 1);
    }
  }

  private onDown(sub: Subflow, err?: Error): void {
    const p = this.bySub.get(sub);
    if (!p) return;
    this.bySub.delete(sub);
    this.hooks.down?.(p, sub, err);
    this.redial(p, 1);
  }

  private redial(p: PathSpec, attempt: number): void {
    const signal = this.abort.signal;
    if (signal.aborted || !this.session || this.session.state !== "open") return;
    const base = Math.min(this.backoff.maxMs, this.backoff.minMs * 2 ** Math.min(attempt - 1, 10));
    const delay = base / 2 + Math.random() * (base / 2);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", cancel);
      if (signal.aborted || this.session?.state !== "open") return;
      p.dial(signal, this.sessionId).then(
        (pipe) => this.join(p, pipe, attempt),
        (err: unknown) => {
          this.hooks.dialFailed?.(p, toError(err), attempt);
          if (this.peerGone(this.gone.dialed(p, toError(err), this.session?.subflows.length ?? 0))) return;
          this.redial(p, attempt + 1);
        },
      );
    }, delay);
    const cancel = () => clearTimeout(timer);
    signal.addEventListener("abort", cancel, { once: true });
  }

  /** End the session with `err` (the peer is gone) if there is one; true when it did. */
  private peerGone(err: SessionError | null): boolean {
    if (err === null || this.session?.state !== "open") return false;
    this.session.abort(AbortCode.NO_PATHS, err.message, err);
    return true;
  }
}

/** "198.18.0.2:9000" → "198.18.0.2", "[fdbc::2]:9000" → "[fdbc::2]". */
function hostOf(remote: string): string {
  const colon = remote.lastIndexOf(":");
  return colon > 0 && !remote.endsWith("]") ? remote.slice(0, colon) : remote;
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
