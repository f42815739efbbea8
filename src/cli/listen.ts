/**
 * Listen mode: bind every --listen address, accept subflows into sessions, give each session its local
 * side. Without -k the first session is the only one (later OPENs are refused) and its end ends the run.
 */
import { type BondServer, serve } from "../api/index.ts";
import { formatEndpoint } from "../paths/endpoint.ts";
import { log } from "../log.ts";
import type { Config } from "./config.ts";
import { checkLocalSide, makeLocalSide } from "./local-side.ts";
import { sessionEvents, type RunHandle } from "./run-session.ts";
import { bondOptions } from "./session-options.ts";
import { startReporting } from "./stats.ts";
import { EXIT_OK, exitCodeFor } from "./exit-codes.ts";

export interface ListenRun {
  server: BondServer;
  /**
   * Resolves with the first session's outcome (without -k); with -k only after shutdown(), once every
   * session is over.
   */
  done: Promise<Error | undefined>;
  handles: Set<RunHandle>;
  /** Stop accepting (listeners closed, new OPENs refused); `done` resolves once the sessions are over. */
  shutdown(): void;
  close(): Promise<void>;
}

/** A connection that failed before joining a session; one that closed without a byte is a health check. */
/** Connections dropped at a cap (EBUSY) are logged at most once a second, with a count: a flood must not flood the log. */
let busyDropped = 0;
let busyLoggedAt = -Infinity;

function logRejected(remote: string, err: Error): void {
  const code = (err as { code?: string }).code;
  const line = `subflow from ${remote} rejected: ${err.message}`;
  if (code === "EEMPTY") return log.debug(line);
  if (code === "EBUSY") {
    busyDropped++;
    const now = performance.now();
    if (now - busyLoggedAt < 1000) return;
    busyLoggedAt = now;
    const more = busyDropped > 1 ? ` (${busyDropped - 1} more dropped since the last such line)` : "";
    busyDropped = 0;
    return log.warn(line + more);
  }
  log.warn(line);
}

export async function runListen(c: Config): Promise<ListenRun> {
  const options = bondOptions(c);
  checkLocalSide(c);
  const handles = new Set<RunHandle>();
  let started = 0;
  let resolveFirst!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (resolveFirst = r));
  const pending = new Map<string, RunHandle>();
  let stopping = false;
  const settleIfIdle = (): void => {
    if (stopping && handles.size === 0) resolveFirst(undefined);
  };
  const server = await serve(c.listen, options, {
    admit: () => c.keepOpen || started === 0,
    session: (id) => {
      if (stopping || (!c.keepOpen && started > 0)) return null;
      started++;
      const h = sessionEvents(makeLocalSide(c), c.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: c.idleTimeoutMs });
      handles.add(h);
      pending.set(id, h);
      const first = started === 1;
      h.done.then((err) => {
        handles.delete(h);
        // A v0 peer that closed its connection once everything it sent was written out is a clean end.
        if (err && exitCodeFor(err) === EXIT_OK) log.info(`session ${id.slice(0, 8)} over: ${err.message}`);
        else if (err) log.warn(`session ${id.slice(0, 8)} failed: ${err.message}`);
        else log.debug(`session ${id.slice(0, 8)} closed cleanly`);
        if (!c.keepOpen && first) resolveFirst(err);
        settleIfIdle();
      });
      return {
        ...h.events,
        subflowUp: (sub) => {
          log.debug(`session ${id.slice(0, 8)}: subflow from ${sub.info.remote} up`);
          h.events.subflowUp?.(sub);
        },
        // v1 and v0 (--compat v0) subflows alike: a peer's reset, a pipe killed, bad input
        subflowDown: (sub, err) => {
          log.debug(`session ${id.slice(0, 8)}: subflow from ${sub.info.remote} down${err ? `: ${err.message}` : ""}`);
          h.events.subflowDown?.(sub, err);
        },
      };
    },
    opened: (session) => {
      const h = pending.get(session.idHex);
      pending.delete(session.idHex);
      log.debug(`session ${session.idHex.slice(0, 8)} opened`);
      h?.attach(session);
    },
    rejected: logRejected,
    compatLog: log,
    listening: (url, notes) => {
      log.info(`listening on ${formatEndpoint(url)}`);
      for (const n of notes) log.info(n);
    },
  });
  const reporter = startReporting(c, () => [...handles].flatMap((h) => (h.session ? [h.session] : [])));
  return {
    server,
    done,
    handles,
    shutdown: () => {
      stopping = true;
      void server.close();
      settleIfIdle();
    },
    close: async () => {
      reporter.stop();
      await server.close();
    },
  };
}
