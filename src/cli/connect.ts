/** Connect mode: dial every endpoint × multiplier, bond them, run the local side until the session ends. */
import { PathManager } from "../core/path-manager.ts";
import type { Session } from "../core/session.ts";
import type { TransportRegistry } from "../paths/registry.ts";
import { buildPaths } from "../paths/build-paths.ts";
import { log } from "../log.ts";
import type { Config } from "./config.ts";
import { checkLocalSide, makeLocalSide } from "./local-side.ts";
import { sessionOptions, transportOptions } from "./session-options.ts";
import { sessionEvents, type RunHandle } from "./run-session.ts";
import { startReporting } from "./stats.ts";

const DIAL_TIMEOUT_MS = 10_000;

export async function runConnect(c: Config, registry: TransportRegistry): Promise<RunHandle> {
  const paths = await buildPaths(
    {
      endpoints: c.endpoints,
      backup: c.backup,
      multiplier: c.multiplier,
      autoDetect: c.autoDetect,
      allAddresses: c.allAddresses,
      family: c.family,
      dialTimeoutMs: DIAL_TIMEOUT_MS,
      note: (m) => log.debug(`paths: ${m}`),
    },
    registry,
    transportOptions(c),
  );
  checkLocalSide(c);
  const local = makeLocalSide(c);
  const pm = new PathManager(paths, sessionOptions(c), {
    dialFailed: (p, err, attempt) =>
      // With one path its failure is the run's error, printed once by main.
      attempt === 0 && paths.length > 1
        ? log.warn(`${p.label}: ${err.message}`)
        : log.debug(`${p.label}: ${attempt === 0 ? "dial" : `re-dial ${attempt}`} failed: ${err.message}`),
    up: (p, sub) => log.debug(`subflow up: ${p.label} (${sub.info.local} → ${sub.info.remote})${p.backup ? " [backup]" : ""}`),
    dropped: (p, why) => log.debug(`${p.label}: ${why}`),
    down: (p, _sub, err) => log.info(`subflow down: ${p.label}${err ? `: ${err.message}` : ""}`),
  });
  const handle = sessionEvents(local, c.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: c.idleTimeoutMs });
  let session: Session;
  try {
    session = await pm.open(handle.events);
  } catch (err) {
    local.close();
    throw err;
  }
  log.debug(`session ${session.idHex.slice(0, 8)} open over ${session.subflows.length} subflow(s)`);
  handle.attach(session);
  const reporter = startReporting(c, () => [session]);
  void handle.done.then(() => reporter.stop());
  return handle;
}
