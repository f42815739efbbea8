/**
 * The bondcat command: parse, build the transport registry, run connect or listen mode, exit with a
 * documented code (src/cli/exit-codes.ts). Data goes to stdout only; every message to stderr.
 */
import { builtinTransports } from "../../transports/index.ts";
import { TransportRegistry } from "../registry.ts";
import { log, setVerbosity } from "../log.ts";
import { AbortCode } from "../core/frame.ts";
import { parseArgs } from "./args.ts";
import { EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, exitCodeFor } from "./exit-codes.ts";
import { runConnect } from "./connect.ts";
import { runListen } from "./listen.ts";
import type { RunHandle } from "./run-session.ts";
import { StdioSide } from "../modes/stdio.ts";
import type { SessionStats } from "../core/stats.ts";

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
  setVerbosity(c.verbose);
  const registry = new TransportRegistry(builtinTransports());
  try {
    if (c.mode === "connect") {
      const h = await runConnect(c, registry);
      const stopSignals = onSignals(() => [h]);
      const err = await h.done;
      stopSignals();
      if (h.session) log.debug(summary(h.session.stats()));
      if (err) throw err;
      return EXIT_OK;
    }
    const run = await runListen(c, registry);
    const stopSignals = onSignals(() => [...run.handles], () => run.close());
    const err = await run.done;
    stopSignals();
    await run.close();
    if (err) throw err;
    return EXIT_OK;
  } catch (err) {
    if (signalled !== 0) return signalled;
    log.error((err as Error).message);
    return exitCodeFor(err);
  }
}

let signalled = 0;

function summary(st: SessionStats): string {
  const mb = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
  return `session ${st.id.slice(0, 8)}: sent ${mb(st.bytesSent)}, received ${mb(st.bytesReceived)}, reinjected ${mb(st.reinjectedBytes)}, ${(st.uptimeMs / 1000).toFixed(2)} s`;
}

/**
 * First SIGINT/SIGTERM: stop reading input and close every session cleanly (FIN, wait for acks).
 * Second: abort at once.
 */
function onSignals(handles: () => RunHandle[], stopListening?: () => Promise<void>): () => void {
  let count = 0;
  const handler = (sig: NodeJS.Signals) => {
    count++;
    const code = sig === "SIGTERM" ? EXIT_TERMINATED : EXIT_INTERRUPTED;
    const hs = handles();
    if (count === 1 && hs.length > 0) {
      log.info(`${sig}: finishing the stream (again to abort)`);
      void stopListening?.();
      for (const h of hs) {
        if (h.local instanceof StdioSide) h.local.finishInput();
        else h.session?.end();
      }
      return;
    }
    signalled = code;
    for (const h of hs) h.session?.abort(AbortCode.INTERRUPTED, `peer got ${sig}`);
    process.exit(code);
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

if (import.meta.main) {
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
