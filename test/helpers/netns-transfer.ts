/**
 * Shared by the network tests (test/network): one random input file per test file, made before its
 * tests (unless they are skipped) and removed after them, every CLI process ended after each test; and a
 * transfer of that file from host a's bondcat to a listener on host b:9000 that writes to `out`.
 */
import { afterAll, afterEach, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, BUN, killAll, spawnCli, startListener } from "./cli.ts";
import { randomFile } from "./files.ts";
import type { Topology } from "./netns.ts";

export interface InputFile {
  /** A temporary directory for this test file's outputs. */
  dir: string;
  file: string;
  sha: string;
}

/** Register the hooks: `sizeMiB` of random bytes in a fresh temporary directory; filled in by beforeAll. */
export function inputFile(sizeMiB: number, skip: string | null): InputFile {
  const input: InputFile = { dir: "", file: "", sha: "" };
  beforeAll(async () => {
    if (skip) return;
    input.dir = mkdtempSync(join(tmpdir(), "bondcat-net-"));
    input.file = join(input.dir, "in.bin");
    input.sha = await randomFile(input.file, sizeMiB << 20);
  });
  afterEach(killAll);
  afterAll(() => input.dir && rmSync(input.dir, { recursive: true, force: true }));
  return input;
}

export interface Transfer {
  /** Exit codes of the client and the listener. */
  cc: number;
  lc: number;
  clientLog: string;
  listenerLog: string;
}

/**
 * Send `file` with `bondcat ARGS` run in host a to `bondcat -l -p 9000` in host b (its stdout into `out`).
 * `during` runs while the data flows, given the promise of both exits.
 */
export async function netnsTransfer(t: Topology, file: string, args: string[], out: string, during?: (done: Promise<unknown>) => Promise<void>): Promise<Transfer> {
  const { cli: l } = await startListener(["-p", "9000"], { command: t.exec("b", [BUN, BIN]), stdout: { file: out } });
  const c = spawnCli(args, { command: t.exec("a", [BUN, BIN]), stdin: { file }, stdout: "ignore" });
  const done = Promise.all([c.exited, l.exited]);
  if (during) await during(done);
  const [cc, lc] = await done;
  return { cc, lc, clientLog: c.stderr, listenerLog: l.stderr };
}

/** Each link's share of the bytes host a sent since `before` (from `t.links.map((_, i) => t.txBytes(i))`). */
export function linkShares(t: Topology, before: number[]): number[] {
  const sent = t.links.map((_, i) => t.txBytes(i) - before[i]!);
  const total = sent.reduce((a, b) => a + b, 0);
  return sent.map((s) => s / total);
}
