/**
 * Which local side a session gets: stdio by default, or --relay / --exec / -b. Every session of a
 * listener gets a fresh one (a relay connection, a program run, a benchmark source).
 */
import { accessSync, constants } from "node:fs";
import { ConfigError } from "../contract/errors.ts";
import { log } from "../log.ts";
import { BenchmarkSide } from "../modes/benchmark.ts";
import { ExecSide } from "../modes/exec.ts";
import type { LocalSide } from "../modes/local-side.ts";
import { RelaySide } from "../modes/relay.ts";
import { StdioSide } from "../modes/stdio.ts";
import { isBackgroundTerminal } from "../io/tty.ts";
import type { Config } from "./config.ts";
import { unbracket } from "../contract/address.ts";

const debug = (m: string): void => log.debug(m);

export function makeLocalSide(c: Config): LocalSide {
  if (c.relay !== undefined) {
    return new RelaySide({
      host: unbracket(c.relay.hostname),
      port: Number(c.relay.port),
      label: c.relay.host,
      debug,
    });
  }
  if (c.exec !== undefined) {
    const argv = c.exec;
    return new ExecSide({
      argv,
      debug,
      exited: (code, signal) => log.warn(`exec: ${argv[0]} ${signal ? `killed by ${signal}` : `exited with code ${code}`}`),
    });
  }
  if (c.benchmark) {
    const o: ConstructorParameters<typeof BenchmarkSide>[0] = {
      chunkSize: c.chunkSize,
      followPeer: c.mode === "listen",
      print: (line) => process.stderr.write(`${line}\n`),
    };
    if (c.benchmarkDurationMs !== undefined) o.durationMs = c.benchmarkDurationMs;
    return new BenchmarkSide(o);
  }
  const direction = c.direction ?? backgroundDirection();
  return new StdioSide({
    chunkSize: c.chunkSize,
    sendBuffer: c.sendBuffer,
    ...(direction === undefined ? {} : { direction }),
  });
}

/**
 * A job in the background of an interactive shell (`bondcat -l -p 9000 > file &`) would be stopped
 * by SIGTTIN on its first read of the terminal, and its peer would wait forever: it sends nothing
 * instead (as --recv-only) and finishes when the peer does. Asked per session, so a job brought to
 * the foreground (`fg`) reads its terminal again from its next session on.
 */
function backgroundDirection(): "recv-only" | undefined {
  if (!isBackgroundTerminal(0)) return undefined;
  log.debug("stdin is a terminal this background job may not read: sending nothing (as --recv-only)");
  return "recv-only";
}

/**
 * Checks done before any socket opens: the --exec program must exist (ConfigError, exit 2), so that
 * a typo fails at once instead of in every session.
 */
export function checkLocalSide(c: Config): void {
  if (c.exec === undefined) return;
  const prog = c.exec[0] as string;
  if (prog.includes("/")) {
    try {
      accessSync(prog, constants.X_OK);
    } catch {
      throw new ConfigError("EEXEC", `--exec: ${prog} is not an executable file`);
    }
    return;
  }
  if (Bun.which(prog) === null) throw new ConfigError("EEXEC", `--exec: ${prog} not found in PATH`);
}
