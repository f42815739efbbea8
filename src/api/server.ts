/**
 * The listening side, composed once for the library (listen()) and the CLI: options → listeners on
 * every address → Acceptor → sessions handed to the caller's hooks.
 */
import type { Pipe } from "../contract/pipe.ts";
import type { Listener } from "../contract/transport.ts";
import { V0Acceptor } from "../compat/v0/acceptor.ts";
import { Acceptor, type AcceptorHooks } from "../core/acceptor.ts";
import { AbortCode } from "../core/frame.ts";
import type { SessionEvents } from "../core/session.ts";
import { type Endpoints, toUrls } from "./client.ts";
import type { SessionHandle } from "./handle.ts";
import { type BondOptions, resolveOptions } from "./options.ts";

export interface ServeHooks {
  /** Asked before answering an OPEN: false refuses it (REFUSED), e.g. one session only. */
  admit?(): boolean;
  /** A new session: its events, or null to refuse it. */
  session(id: string): SessionEvents | null;
  /** The session `session(id)` was asked for is open. */
  opened?(session: SessionHandle): void;
  /** A connection failed before joining a session (handshake, or the transport dropped it: code EEMPTY = closed without a byte). */
  rejected?(remote: string, err: Error): void;
  /** What the v0 compatibility mode reports (with compat "v0"). */
  compatLog?: { warn(message: string): void; debug(message: string): void };
  /** A listener is bound (its real URL, and notes worth printing once). */
  listening?(url: URL, notes: readonly string[]): void;
  /**
   * Every accepted pipe, before its handshake: return it (or a pipe wrapping it) to go on, null to drop
   * it (the filter closes what it drops). The hook for listener limits and PROXY-protocol headers.
   */
  filter?(pipe: Pipe): Pipe | null | Promise<Pipe | null>;
}

export interface BondServer {
  readonly listeners: Listener[];
  /** Sessions open right now. */
  readonly sessions: number;
  /** Stop accepting (listeners closed); live sessions go on. */
  close(): Promise<void>;
  /** Abort every live session (ABORT to the peer). */
  abortAll(reason: string): void;
}

export async function serve(addresses: Endpoints, o: BondOptions, hooks: ServeHooks): Promise<BondServer> {
  const r = resolveOptions(o);
  const urls = toUrls(addresses, true);
  for (const u of urls) r.registry.get(u.protocol); // unknown scheme → ConfigError before anything binds
  const acceptorHooks: AcceptorHooks = {
    ...(hooks.admit ? { admit: hooks.admit } : {}),
    session: (id) => hooks.session(id),
    opened: (s) => hooks.opened?.(s),
    rejected: (pipe, err) => hooks.rejected?.(pipe.info.remote, err),
  };
  const acceptor = new Acceptor(r.session, acceptorHooks, r.limits);
  // compat v0: each pipe (after the filter, so the listener's limits hold for v0 too) is looked at
  // first; v1 pipes go on to the acceptor, v0 ones are served by the v0 acceptor with the same hooks.
  const v0 = r.compat === "v0" ? new V0Acceptor(r.session, acceptorHooks, acceptor, hooks.compatLog) : null;
  const handshake = (pipe: Pipe): void => (v0 ? v0.accept(pipe) : acceptor.accept(pipe));
  const filter = hooks.filter;
  const accept = (pipe: Pipe): void => {
    if (filter === undefined) return handshake(pipe);
    void Promise.resolve(filter(pipe)).then(
      (p) => p && handshake(p),
      (err: unknown) => pipe.abort(err instanceof Error ? err : new Error(String(err))),
    );
  };
  const listeners: Listener[] = [];
  try {
    for (const u of urls) {
      const topts = { ...r.transport, handshakeMs: r.limits.handshakeMs, pending: acceptor.admission.handshakes };
      const l = await r.registry.listen(u, hooks.rejected ? { ...topts, rejected: hooks.rejected } : topts, accept);
      listeners.push(l);
      hooks.listening?.(l.url, l.notes);
    }
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  let closing: Promise<void> | null = null;
  const server: BondServer = {
    listeners,
    get sessions() {
      return acceptor.sessions.size + (v0?.sessions.size ?? 0);
    },
    close: () => (closing ??= Promise.all(listeners.map((l) => l.close())).then(() => {})),
    abortAll: (reason) => {
      for (const s of acceptor.sessions.values()) s.abort(AbortCode.APPLICATION, reason);
      for (const { session } of v0?.sessions.values() ?? []) session.abort(AbortCode.APPLICATION, reason);
    },
  };
  r.signal?.addEventListener(
    "abort",
    () => {
      void server.close();
      server.abortAll("aborted by the application");
    },
    { once: true },
  );
  return server;
}
