/**
 * Schemes with a default port (ws 80, wss 443): `--listen ws://127.0.0.1:80/b` and
 * `--listen wss://127.0.0.1/b` listen on 80 / 443 (not on a random port), and a client dialing the URL
 * without a port reaches them. Run inside a fresh network namespace, so the privileged ports are ours.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { networkSkipReason, Topology } from "../helpers/netns.ts";
import { BIN, BUN, killAll, pseudoRandom, sha256, spawnCli } from "../helpers/cli.ts";

const skip = networkSkipReason();
if (skip) console.warn(`skipping default-port tests: ${skip}`);
let topo: Topology | null = null;
afterEach(killAll);
afterAll(() => topo?.destroy());

const CASES = [
  { listen: "ws://127.0.0.1:80/b", dial: "ws://127.0.0.1/b", port: 80 },
  { listen: "wss://127.0.0.1/b", dial: "wss://127.0.0.1:443/b", port: 443 },
] as const;

describe.skipIf(skip !== null)("default ports", () => {
  for (const c of CASES) {
    test(`--listen ${c.listen} listens on ${c.port}; a client dialing ${c.dial} connects`, async () => {
      topo ??= new Topology([]);
      const t = topo;
      const l = spawnCli(["-l", "--listen", c.listen], { command: t.exec("a", [BUN, BIN]), stdout: "hash" });
      await l.waitForStderr(/listening on/, 15_000);
      const ss = spawnSync("ip", ["netns", "exec", t.a, "ss", "-Hltn", `sport = :${c.port}`], { encoding: "utf8" });
      expect(ss.stdout).toContain(`127.0.0.1:${c.port}`);
      const data = pseudoRandom(256 << 10, c.port);
      const cl = spawnCli(["--insecure", c.dial], { command: t.exec("a", [BUN, BIN]), stdin: data });
      expect(await cl.exited).toBe(0);
      expect(await l.exited).toBe(0);
      expect(await l.stdoutSha256()).toBe(sha256(data));
    }, 30_000);
  }
});
