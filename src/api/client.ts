/**
 * The dialing side, composed once for the library (connect()) and the CLI: options → paths
 * (endpoint × local address × multiplier) → PathManager → an open session, cancellable by a signal.
 */
import type { PipeInfo } from "../contract/pipe.ts";
import { SessionError } from "../core/errors.ts";
import { AbortCode } from "../core/frame.ts";
import { v0Handshaker } from "../compat/v0/handshake.ts";
import { type PathSpec, PathManager, V1_HANDSHAKE } from "../core/path-manager.ts";
import type { Session, SessionEvents } from "../core/session.ts";
import { buildPaths } from "../paths/build-paths.ts";
import { parseEndpoint } from "../paths/endpoint.ts";
import type { SessionHandle } from "./handle.ts";
import { type BondOptions, type ResolvedOptions, resolveOptions } from "./options.ts";

export type Endpoints = string | URL | readonly (string | URL)[];

/** What the dialing side reports while a session lives (the CLI logs it). */
export interface ConnectHooks {
  dialFailed?(label: string, err: Error, attempt: number): void;
  subflowUp?(label: string, info: PipeInfo, backup: boolean): void;
  subflowDown?(label: string, err?: Error): void;
  /** A path given up for good (e.g. its endpoint is another machine that does not know the session). */
  dropped?(label: string, why: string): void;
  /** Why addresses and local sources were chosen or skipped while planning the paths. */
  note?(message: string): void;
  /** The first handshake got no answer for ~2 s (a listener that neither answers nor closes: the original bondcat?). */
  silent?(label: string): void;
  /** What the v0 compatibility mode reports (frames dropped, subflows dropped for bad input). */
  compatLog?: { warn(message: string): void; debug(message: string): void };
}

const BUILTIN = /^(tcp|tls|ws|wss):\/\//i;

/** Built-in schemes and bare host:port are parsed and checked; a plugin's URL is taken as it is. */
export function toUrls(xs: Endpoints, listen = false): URL[] {
  const list = typeof xs === "string" || xs instanceof URL ? [xs] : xs;
  return list.map((x) => {
    if (x instanceof URL) return x;
    if (x.includes("://") && !BUILTIN.test(x)) return new URL(x);
    return listen ? parseEndpoint(x, "tcp", { listen: true }) : parseEndpoint(x);
  });
}

/** Everything a connect() will do, before it does it: the paths it dials and the options it runs with. */
export interface ConnectPlan {
  paths: PathSpec[];
  options: ResolvedOptions;
}

export async function planConnect(endpoints: Endpoints, o: BondOptions = {}, hooks: Pick<ConnectHooks, "note"> = {}): Promise<ConnectPlan> {
  const r = resolveOptions(o);
  const plan = {
    endpoints: toUrls(endpoints),
    backup: toUrls(r.backup),
    multiplier: r.multiplier,
    autoDetect: r.autoDetect,
    allAddresses: r.allAddresses,
    dialTimeoutMs: r.dialTimeoutMs,
    ...(hooks.note ? { note: hooks.note } : {}),
    ...(r.family !== undefined ? { family: r.family } : {}),
  };
  return { paths: await buildPaths(plan, r.registry, r.transport), options: r };
}

function abortError(signal: AbortSignal): SessionError {
  return new SessionError("EABORTED", "aborted by the application", { cause: signal.reason });
}

/** Dial every planned path and resolve with the session once it is open (events go to `events`). */
export async function openSession(plan: ConnectPlan, events: SessionEvents, hooks: ConnectHooks = {}): Promise<SessionHandle> {
  const { paths, options } = plan;
  const signal = options.signal;
  if (signal?.aborted) throw abortError(signal);
  const pm = new PathManager(paths, options.session, {
    dialFailed: (p, err, attempt) => hooks.dialFailed?.(p.label, err, attempt),
    up: (p, sub) => hooks.subflowUp?.(p.label, sub.info, p.backup),
    down: (p, _sub, err) => hooks.subflowDown?.(p.label, err),
    dropped: (p, why) => hooks.dropped?.(p.label, why),
    // The hint (try --compat v0) is for v1 dialers; a v0 one meeting silence has nothing to try.
    ...(options.compat === "v0" ? {} : { silent: (p: PathSpec) => hooks.silent?.(p.label) }),
  }, undefined, options.compat === "v0" ? v0Handshaker(hooks.compatLog) : V1_HANDSHAKE);
  if (signal === undefined) return pm.open(events);
  let live: Session | null = null;
  const onAbort = (): void => {
    pm.stop();
    live?.abort(AbortCode.APPLICATION, "aborted by the application", abortError(signal));
  };
  signal.addEventListener("abort", onAbort, { once: true });
  const opening = pm.open({
    ...events,
    closed: (err) => {
      signal.removeEventListener("abort", onAbort);
      events.closed(err);
    },
  });
  return new Promise<SessionHandle>((resolve, reject) => {
    const rejectOnAbort = (): void => reject(abortError(signal));
    signal.addEventListener("abort", rejectOnAbort, { once: true });
    opening.then(
      (s) => {
        signal.removeEventListener("abort", rejectOnAbort);
        if (signal.aborted) s.abort(AbortCode.APPLICATION, "aborted by the application", abortError(signal));
        else live = s;
        resolve(s);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        signal.removeEventListener("abort", rejectOnAbort);
        reject(signal.aborted ? abortError(signal) : err);
      },
    );
  });
}
