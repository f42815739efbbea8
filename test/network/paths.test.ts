/**
 * Which paths a client finds by itself (tier 4): one endpoint behind two source-routed links
 * (`ip rule from SRC lookup T`, a default route per table) and a name with an IPv4 and an IPv6 address
 * on different links (a namespace hosts file). No flags: both links must carry the transfer.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { networkSkipReason, Topology } from "../helpers/netns.ts";
import { BIN, BUN, killAll, spawnCli, startListener } from "../helpers/cli.ts";
import { randomFile, sha256File } from "../helpers/files.ts";

const skip = networkSkipReason();
if (skip) console.warn(`skipping path-detection network tests: ${skip}`);
const MiB = 1 << 20;
let dir = "";
let file = "";
let fileSha = "";

beforeAll(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), "bondcat-paths-"));
  file = join(dir, "in.bin");
  fileSha = await randomFile(file, 24 * MiB);
});
afterEach(killAll);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

/** Send the file from host a to `endpoint`; returns the client's log and each link's share of a's bytes. */
async function send(t: Topology, endpoint: string, out: string): Promise<{ log: string; shares: number[] }> {
  const { cli: l } = await startListener(["-p", "9000"], { command: t.exec("b", [BUN, BIN]), stdout: { file: out } });
  const before = t.links.map((_, i) => t.txBytes(i));
  const c = spawnCli(["-v", endpoint], { command: t.exec("a", [BUN, BIN]), stdin: { file }, stdout: "ignore" });
  expect(await Promise.all([c.exited, l.exited])).toEqual([0, 0]);
  expect(await sha256File(out)).toBe(fileSha);
  const sent = t.links.map((_, i) => t.txBytes(i) - before[i]!);
  const total = sent.reduce((a, b) => a + b, 0);
  return { log: c.stderr, shares: sent.map((s) => s / total) };
}

describe.skipIf(skip !== null)("paths found without flags", () => {
  test("one endpoint, two policy-routed links: a subflow per route, both links carry data", async () => {
    const t = new Topology([{ rate: "50mbit" }, { rate: "50mbit" }]);
    try {
      t.policyRoutes();
      const r = await send(t, `${t.links[0]!.b4}:9000`, join(dir, "policy.bin"));
      expect(r.log).toContain(`source ${t.links[1]!.a4} (${t.links[1]!.ifA} via ${t.links[1]!.b4})`);
      // Loose on purpose (a shared machine): both links carry a real share; the ≥ 40% split is measured
      // by bench/paths.ts.
      for (const s of r.shares) expect(s).toBeGreaterThan(0.25);
    } finally {
      t.destroy();
    }
  }, 60_000);

  test("without policy routes the on-link endpoint gets one path, and -v says why", async () => {
    const t = new Topology([{}, {}]);
    try {
      const r = await send(t, `${t.links[0]!.b4}:9000`, join(dir, "plain.bin"));
      expect(r.log).toContain(`source ${t.links[1]!.a4} skipped: same route (${t.links[0]!.ifA} via on-link)`);
      expect(r.shares[0]).toBeGreaterThan(0.9);
    } finally {
      t.destroy();
    }
  }, 60_000);

  test("a name with an IPv4 address on link 0 and an IPv6 address on link 1: both families, both links", async () => {
    const t = new Topology([{ rate: "50mbit" }, { rate: "50mbit" }]);
    try {
      t.hosts("a", `127.0.0.1 localhost\n${t.links[0]!.b4} bondhost\n${t.links[1]!.b6} bondhost\n`);
      const r = await send(t, "bondhost:9000", join(dir, "dual.bin"));
      expect(r.log).toMatch(/bondhost → (198\.18\.0\.2, fdbc:1::2|fdbc:1::2, 198\.18\.0\.2)/);
      // Loose on purpose (a shared machine): both links carry a real share; the ≥ 40% split is measured
      // by bench/paths.ts.
      for (const s of r.shares) expect(s).toBeGreaterThan(0.25);
    } finally {
      t.destroy();
    }
  }, 60_000);
});
