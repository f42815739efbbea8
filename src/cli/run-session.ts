/**
 * Glue between one session and its local side, with a promise for its end: the session's events go
 * to the local side, --idle-timeout watches it, and `finish()` (first Ctrl-C) ends it cleanly.
 */
import { AbortCode, type SessionEvents, type SessionHandle, type SessionStats } from "../api/index.ts";
import { log } from "../log.ts";
import type { LocalSide } from "../modes/local-side.ts";
import { IdleWatch } from "./idle.ts";
import { formatDuration } from "./units.ts";

export interface RunOptions {
  /** --idle-timeout in ms; undefined = never. */
  idleTimeoutMs?: number;
}

export interface RunHandle {
  events: SessionEvents;
  /**
   * Resolves when the session is over and the local side let go (e.g. a relay flushed its socket):
   * undefined = clean close (an idle-timeout close counts as clean).
   */
  done: Promise<Error | undefined>;
  session: SessionHandle | null;
  local: LocalSide;
  attach(session: SessionHandle): void;
  /** Stop local input and end our direction; the session closes once the peer finishes too. */
  finish(): void;
}

const tag = (s: SessionHandle | null): string => `session ${s?.idHex.slice(0, 8) ?? "(opening)"}`;

/** -vv: the protocol counters of a session as one line. */
function traceStats(st: SessionStats): string {
  return `sent ${st.bytesSent} B (acked ${st.bytesAcked}), received ${st.bytesReceived} B, duplicates ${st.duplicateBytes} B, reinjected ${st.reinjectedBytes} B`;
}

export function sessionEvents(local: LocalSide, o: RunOptions = {}): RunHandle {
  let resolve!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (resolve = r));
  let idle: IdleWatch | null = null;
  let idleExpired = false;
  const h: RunHandle = {
    local,
    session: null,
    done,
    events: {
      data: (v) => local.data(v),
      end: () => {
        log.trace(`${tag(h.session)}: peer FIN (its stream ends at ${h.session?.stats().bytesReceived ?? 0} bytes)`);
        local.end();
      },
      subflowUp: (sub) =>
        log.trace(`${tag(h.session)}: subflow ${sub.id} up (${sub.info.transport} ${sub.info.local} → ${sub.info.remote}${sub.backup ? ", backup" : ""})`),
      subflowDown: (sub, err) =>
        log.trace(`${tag(h.session)}: subflow ${sub.id} down after ${sub.bytesSent} B sent, ${sub.bytesReceived} B received${err ? `: ${err.message}` : ""}`),
      drain: () => local.drain(),
      release: (frame) => local.release?.(frame),
      subflowDoubt: (sub, resent) => log.debug(`subflow ${sub.label || sub.id} in doubt: ${resent} bytes resent on other paths`),
      closed: (err) => {
        idle?.stop();
        if (h.session) log.trace(`${tag(h.session)}: closed ${err ? `(${err.message})` : "cleanly"}; ${traceStats(h.session.stats())}`);
        const outcome = idleExpired ? undefined : err;
        // A clean end still fails if the local side could not hand over the last bytes.
        const settle = (): void => resolve(outcome ?? local.failed?.());
        let released: Promise<void> | void = undefined;
        try {
          released = local.close(err);
        } catch (e) {
          log.debug(`closing the local side: ${(e as Error).message}`);
        }
        if (released instanceof Promise) released.then(settle, settle);
        else settle();
      },
    },
    attach(session) {
      h.session = session;
      log.trace(`${tag(session)}: open, ${session.stats().subflows.length} subflow(s)`);
      if (session.state !== "open") return;
      local.start(session);
      const ms = o.idleTimeoutMs;
      if (ms === undefined || ms <= 0) return;
      idle = new IdleWatch(session, { timeoutMs: ms }, {
        idle: () => {
          log.info(`session ${session.idHex.slice(0, 8)}: idle for ${formatDuration(ms)}, closing`);
          h.finish();
        },
        expired: () => {
          idleExpired = true;
          session.abort(AbortCode.TIMEOUT, `idle for ${formatDuration(ms)}`);
        },
      });
    },
    finish() {
      const s = h.session;
      if (s === null || s.state !== "open") return;
      if (local.finish) local.finish();
      else s.end();
    },
  };
  return h;
}
