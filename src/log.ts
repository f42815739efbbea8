/**
 * The process-wide logger. Every level goes to stderr: stdout belongs to the data stream.
 * (consola's reporters send levels ≥ 2 — log, info, debug … — to `options.stdout`, so stdout is
 * pointed at stderr here.)
 *
 * Verbosity → level: 0 = info (errors, warnings and the few lines a user needs, e.g. the port
 * picked for `-l`), 1 (-v) = debug (paths up/down, retries), 2+ (-vv) = trace (protocol detail).
 * `silent` (-1) exists for tests and library use.
 */
import { type ConsolaInstance, type ConsolaReporter, LogLevels, createConsola } from "consola";
import { printable } from "./contract/errors.ts";

function levelFor(verbosity: number): number {
  if (verbosity < 0) return LogLevels.silent;
  if (verbosity === 0) return LogLevels.info;
  if (verbosity === 1) return LogLevels.debug;
  return LogLevels.trace;
}

/** Build a logger writing everything to `stream` (default: process.stderr). */
export function createLog(stream: NodeJS.WriteStream = process.stderr, verbosity = 0): ConsolaInstance {
  // `fancy` (node build of consola, the one Bun loads) is missing from the browser typings that
  // TypeScript resolves without a "node" condition; passing a variable skips the excess-property check.
  const options = { level: levelFor(verbosity), stdout: stream, stderr: stream, fancy: stream.isTTY === true };
  const inst = createConsola(options);
  // Every string logged is escaped (printable()): messages carry peer text (ABORT reasons, headers,
  // SNI, paths), and a peer must not forge log lines or drive the terminal. One message, one line.
  const safe = (r: ConsolaReporter): ConsolaReporter => ({
    log: (o, ctx) => r.log({ ...o, args: o.args.map((a: unknown) => (typeof a === "string" ? printable(a) : a)) }, ctx),
  });
  inst.setReporters(inst.options.reporters.map(safe));
  return inst;
}

export const log: ConsolaInstance = createLog();

/** Set the level of `log` from a -v count (0 = info, 1 = debug, 2+ = trace, negative = silent). */
export function setVerbosity(n: number): void {
  log.level = levelFor(n);
}
