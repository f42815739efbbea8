/**
 * The bondcat command: parse, build the transport registry, run connect or listen mode, exit with a
 * documented code (src/cli/exit-codes.ts). Data goes to stdout only; every message to stderr.
 */
import { AbortCode, type SessionStats } from "../api/index.ts";
import { log, setVerbosity } from "../log.ts";
import { parseArgs } from "./args.ts";
import { ENV_SECRET } from "./config.ts";
import { readSecretFile } from "./secret.ts";
import { VERSION_TEXT } from "./help.ts";
import { EXIT_HANGUP, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, exitCodeFor } from "./exit-codes.ts";
import { runConnect } from "./connect.ts";
import { type ListenRun, runListen } from "./listen.ts";
import type { RunHandle } from "./run-session.ts";

export async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (err) {
    process.stderr.write(`bondcat: ${(err as Error).message}\n`);
    return exitCodeFor(err);
  }
  if (parsed.kind !== "run") {
    process.stdout.write(parsed.text.endsWith("\n") ? parsed.text : `${parsed.text}\n`);
    return EXIT_OK;
  }
  const c = parsed.config;
  // Programs run by -e (and anything else spawned) must not inherit the secret.
  delete process.env[ENV_SECRET];
  try {
    if (c.secretFile !== undefined) c.secret = readSecretFile(c.secretFile);
  } catch (err) {
    process.stderr.write(`bondcat: ${(err as Error).message}\n`);
    return exitCodeFor(err);
  }
  setVerbosity(c.verbose);
  log.debug(VERSION_TEXT);
  try {
    // Handlers first: a signal while dialing or binding must not find the default action (kill).
    if (c.mode === "connect") {
      let handle: RunHandle | undefined;
      const stopSignals = onSignals(() => (handle ? [handle] : []));
      const h = await runConnect(c);
      handle = h;
      const err = await h.done;
      stopSignals();
      if (h.session) log.debug(summary(h.session.stats()));
      if (err) throw err;
      return EXIT_OK;
    }
    let listening: ListenRun | undefined;
    const stopSignals = onSignals(() => (listening ? [...listening.handles] : []), () => listening?.shutdown());
    const run = await runListen(c);
    listening = run;
    const err = await run.done;
    stopSignals();
    await run.close();
    if (err) throw err;
    // A -k listener only ever ends by a signal: its code, whether sessions were live (they were
    // finished cleanly first) or not.
    return c.keepOpen && stoppedBy !== 0 ? stoppedBy : EXIT_OK;
  } catch (err) {
    if (signalled !== 0) return signalled;
    const code = exitCodeFor(err);
    if (code === EXIT_OK) log.info((err as Error).message);
    else log.error((err as Error).message);
    return code;
  }
}

let signalled = 0;
/** The first signal's exit code (128 + n), once one arrived. */
let stoppedBy = 0;

function summary(st: SessionStats): string {
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return `session ${st.id.slice(0, 8)}: sent ${mb(st.bytesSent)}, received ${mb(st.bytesReceived)}, reinjected ${mb(st.reinjectedBytes)}, ${(st.uptimeMs / 1000).toFixed(2)} s`;
}

/** After SIGHUP nobody is left to send a second signal: abort if the clean close takes longer. */
const HANGUP_GRACE_MS = 10_000;

/**
 * First SIGINT/SIGTERM/SIGHUP: stop reading input and close every session cleanly (FIN, wait for
 * acks). Second: abort at once. SIGHUP is what ssh sends its ProxyCommand when it is done: dying on
 * it would leave the peer's session waiting out its grace period, so it is a quiet clean finish too
 * (aborting after HANGUP_GRACE_MS).
 */
function onSignals(handles: () => RunHandle[], stopListening?: () => void): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    const code = sig === "SIGTERM" ? EXIT_TERMINATED : sig === "SIGHUP" ? EXIT_HANGUP : EXIT_INTERRUPTED;
    if (stoppedBy === 0) stoppedBy = code;
    const hs = handles();
    if (count === 1 && hs.length > 0) {
      if (sig === "SIGHUP") {
        log.debug("SIGHUP: finishing the stream");
        setTimeout(() => handler(sig), HANGUP_GRACE_MS).unref();
      } else {
        log.info(`${sig}: finishing the stream (again to abort)`);
      }
      stopListening?.();
      for (const h of hs) h.finish();
      return;
    }
    signalled = code;
    for (const h of hs) h.session?.abort(AbortCode.INTERRUPTED, `peer got ${sig}`);
    process.exit(code);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  process.on("SIGHUP", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
    process.off("SIGHUP", handler);
  };
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
