/** Connect mode: dial every endpoint × multiplier, bond them, run the local side until the session ends. */
import { PathManager, type PathSpec } from "../core/path-manager.ts";
import type { Session } from "../core/session.ts";
import type { TransportRegistry } from "../registry.ts";
import { formatEndpoint } from "../endpoint.ts";
import { log } from "../log.ts";
import type { Config } from "./config.ts";
import { makeLocalSide } from "./local-side.ts";
import { sessionOptions, transportOptions } from "./session-options.ts";
import { sessionEvents, type RunHandle } from "./run-session.ts";

const DIAL_TIMEOUT_MS = 10_000;

export function buildPaths(c: Config, registry: TransportRegistry): PathSpec[] {
  const topts = transportOptions(c);
  const paths: PathSpec[] = [];
  const add = (url: URL, backup: boolean) => {
    registry.get(url.protocol); // unknown scheme → ConfigError before anything opens
    for (let k = 1; k <= c.multiplier; k++) {
      paths.push({
        label: c.multiplier > 1 ? `${formatEndpoint(url)} #${k}` : formatEndpoint(url),
        backup,
        dial: (signal) => registry.dial(url, { ...topts, signal, timeoutMs: DIAL_TIMEOUT_MS }),
      });
    }
  };
  for (const u of c.endpoints) add(u, false);
  for (const u of c.backup) add(u, true);
  return paths;
}

export async function runConnect(c: Config, registry: TransportRegistry): Promise<RunHandle> {
  const paths = buildPaths(c, registry);
  const local = makeLocalSide(c);
  const pm = new PathManager(paths, sessionOptions(c), {
    dialFailed: (p, err, attempt) =>
      // With one path its failure is the run's error, printed once by main.
      attempt === 0 && paths.length > 1
        ? log.warn(`${p.label}: ${err.message}`)
        : log.debug(`${p.label}: ${attempt === 0 ? "dial" : `re-dial ${attempt}`} failed: ${err.message}`),
    up: (p, sub) => log.debug(`subflow up: ${p.label} (${sub.info.local} → ${sub.info.remote})${p.backup ? " [backup]" : ""}`),
    down: (p, _sub, err) => log.info(`subflow down: ${p.label}${err ? `: ${err.message}` : ""}`),
  });
  const handle = sessionEvents(local);
  let session: Session;
  try {
    session = await pm.open(handle.events);
  } catch (err) {
    local.close();
    throw err;
  }
  log.debug(`session ${session.idHex.slice(0, 8)} open over ${session.subflows.length} subflow(s)`);
  handle.attach(session);
  return handle;
}
