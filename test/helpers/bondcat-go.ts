/**
 * The original bondcat (Go) as a real peer for the v0 wire tests: `../shared/peers/bondcat-go` from
 * the project's root (absent in a user's clone: the tests then skip with `goPeerSkipReason`).
 * It runs through the same Cli wrapper as ours (stdout hashed, stderr kept, killed by killAll).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type Cli, type CliOptions, ROOT, spawnCli } from "./cli.ts";

export const GO_BONDCAT = join(ROOT, "..", "shared", "peers", "bondcat-go");

export const goPeerSkipReason: string | null = existsSync(GO_BONDCAT)
  ? null
  : `the original bondcat is not at ${GO_BONDCAT} (see ../shared/peers/README.md)`;

if (goPeerSkipReason) console.warn(`skipping v0 interoperability tests: ${goPeerSkipReason}`);

/** Run the Go bondcat with `args` (add -a on loopback: no address auto-detection). */
export function spawnGo(args: string[], o: CliOptions = {}): Cli {
  return spawnCli(args, { ...o, command: [GO_BONDCAT] });
}

/**
 * Feed `data` to a Cli started with stdin "pipe" in pieces, then keep stdin open `holdMs` before
 * closing it: the Go dialer exits at stdin EOF without waiting for acks (../shared/peers/README.md).
 */
export async function feed(cli: Cli, data: Uint8Array, holdMs = 0, piece = 1 << 20): Promise<void> {
  for (let i = 0; i < data.length; i += piece) await cli.write(data.subarray(i, i + piece));
  if (holdMs > 0) await Bun.sleep(holdMs);
  await cli.endInput();
}

/** A free TCP port on 127.0.0.1 (the Go listener needs one given with -p). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Wait until something listens on TCP `port` (asks `ss`: a probe connection would be a subflow to the Go listener). */
export async function waitListening(port: number, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const out = Bun.spawnSync(["ss", "-Hltn", `sport = :${port}`]).stdout.toString();
    if (out.trim() !== "") return;
    if (Date.now() - t0 > timeoutMs) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await Bun.sleep(50);
  }
}
