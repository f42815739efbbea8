/** Connect mode: dial every endpoint × multiplier, bond them, run the local side until the session ends. */
import { openSession, planConnect, type SessionHandle } from "../api/index.ts";
import { log } from "../log.ts";
import type { Config } from "./config.ts";
import { checkLocalSide, makeLocalSide } from "./local-side.ts";
import { bondOptions } from "./session-options.ts";
import { sessionEvents, type RunHandle } from "./run-session.ts";
import { startReporting } from "./stats.ts";

export async function runConnect(c: Config): Promise<RunHandle> {
  const plan = await planConnect(c.endpoints, bondOptions(c), { note: (m) => log.debug(`paths: ${m}`) });
  checkLocalSide(c);
  const local = makeLocalSide(c);
  const handle = sessionEvents(local, c.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: c.idleTimeoutMs });
  let session: SessionHandle;
  try {
    session = await openSession(plan, handle.events, {
      dialFailed: (label, err, attempt) =>
        // With one path its failure is the run's error, printed once by main.
        attempt === 0 && plan.paths.length > 1
          ? log.warn(`${label}: ${err.message}`)
          : log.debug(`${label}: ${attempt === 0 ? "dial" : `re-dial ${attempt}`} failed: ${err.message}`),
      subflowUp: (label, info, backup) => log.debug(`subflow up: ${label} (${info.local} → ${info.remote})${backup ? " [backup]" : ""}`),
      dropped: (label, why) => log.debug(`${label}: ${why}`),
      subflowDown: (label, err) => log.info(`subflow down: ${label}${err ? `: ${err.message}` : ""}`),
      silent: (label) => log.warn(`${label}: no answer to the handshake after 2 s; if it is the original bondcat (Go, wire v0), try --compat v0`),
      compatLog: log,
    });
  } catch (err) {
    local.close();
    throw err;
  }
  log.debug(`session ${session.idHex.slice(0, 8)} open over ${session.stats().subflows.length} subflow(s)`);
  handle.attach(session);
  const reporter = startReporting(c, () => [session]);
  void handle.done.then(() => reporter.stop());
  return handle;
}
