/**
 * A fleet of bondcat relays (`-l -k -v -e cat`: every session echoes) and the checks DEPLOY.md
 * promises: which relay carried each session (from the relays' "session X: subflow from … up" lines),
 * every subflow of a session on one relay, no JOIN refused anywhere.
 */
import { expect } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Cli, pseudoRandom, sha256, spawnCli } from "./cli.ts";
import { bondcat, listeningUrls, type Proc } from "./procs.ts";

const dirs: string[] = [];

/** A scratch directory for a balancer's config and files (readable by nginx/haproxy workers). */
export function workdir(): string {
  const d = mkdtempSync(join(tmpdir(), "bondcat-fleet-"));
  chmodSync(d, 0o777);
  dirs.push(d);
  return d;
}

/** Remove every workdir() (afterAll). */
export function removeWorkdirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface Fleet {
  procs: Proc[];
  /** "127.0.0.1:PORT" of each relay. */
  addrs: string[];
}

/** `n` relays on `listen` (port 0); with `-v` unless `quiet` (then only warnings and errors would show). */
export async function startRelays(n: number, listen: string, extra: string[] = [], quiet = false): Promise<Fleet> {
  const procs = Array.from({ length: n }, () => bondcat(["-l", "-k", ...(quiet ? [] : ["-v"]), "-e", "cat", "--listen", listen, ...extra]));
  const addrs: string[] = [];
  for (const p of procs) addrs.push(new URL((await listeningUrls(p, 1))[0] as string).host);
  return { procs, addrs };
}

export interface Client {
  cli: Cli;
  data: Uint8Array;
  sha: string;
}

/**
 * Start `count` clients (stdin a pipe, stdout hashed) and wait until each has `subflows` subflows up:
 * only then do they send, so a short transfer cannot end a session before its last JOIN.
 */
export async function startClients(count: number, subflows: number, bytes: number, args: string[]): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < count; i++) {
    const data = pseudoRandom(bytes, i + 1);
    out.push({ cli: spawnCli(["-a", "-v", ...args], { stdin: "pipe" }), data, sha: sha256(data) });
  }
  await Promise.all(out.map((c) => c.cli.waitForStderr(new RegExp(`(subflow up:[\\s\\S]*){${subflows}}`), 60_000)));
  return out;
}

/** Send every client's data, close its stdin. */
export async function sendAll(clients: Client[]): Promise<void> {
  await Promise.all(clients.map(async (c) => {
    await c.cli.write(c.data);
    await c.cli.endInput();
  }));
}

/** The 8-hex session prefix a client logged ("session 1a2b3c4d open over …"). */
export async function sessionOf(c: Client): Promise<string> {
  return (await c.cli.waitForStderr(/session ([0-9a-f]{8}) open/, 60_000))[1] as string;
}

/** Subflows each relay accepted for session `sid`. */
export function subflowsPerRelay(fleet: Fleet, sid: string): number[] {
  const re = new RegExp(`session ${sid}: subflow from `, "g");
  return fleet.procs.map((p) => (p.log().match(re) ?? []).length);
}

/** Every client exited 0 with its input echoed back, all `subflows` of its session on one relay. */
export async function expectAllTogether(fleet: Fleet, clients: Client[], subflows: number): Promise<{ perRelay: number[] }> {
  const codes = await Promise.all(clients.map((c) => c.cli.exited));
  codes.forEach((code, i) => {
    if (code !== 0) console.error(clients[i]!.cli.stderr, fleet.procs.map((p) => p.log()).join("\n---\n"));
  });
  expect(codes).toEqual(clients.map(() => 0));
  const perRelay = fleet.procs.map(() => 0);
  for (const c of clients) {
    expect(await c.cli.stdoutSha256()).toBe(c.sha);
    const counts = subflowsPerRelay(fleet, await sessionOf(c));
    // One relay has them all (a subflow that died under load and was re-dialed counts twice there).
    expect(counts.filter((n) => n > 0).length).toBe(1);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(subflows);
    perRelay[counts.findIndex((n) => n > 0)]!++;
  }
  // No JOIN reached a relay that did not know its session (the routing under test). Other warnings, e.g.
  // a handshake timing out on a machine at load 60, are not this test's subject.
  for (const p of fleet.procs) expect(p.log()).not.toMatch(/unknown session/);
  return { perRelay };
}
