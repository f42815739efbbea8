/**
 * Which paths a client finds by itself (tier 4): one endpoint behind two source-routed links
 * (`ip rule from SRC lookup T`, a default route per table) and a name with an IPv4 and an IPv6 address
 * on different links (a namespace hosts file). No flags: both links must carry the transfer.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { sha256File } from "../helpers/files.ts";
import { networkSkipReason, Topology } from "../helpers/netns.ts";
import { inputFile, linkShares, netnsTransfer } from "../helpers/netns-transfer.ts";

const skip = networkSkipReason();
if (skip) console.warn(`skipping path-detection network tests: ${skip}`);
const input = inputFile(24, skip);

/** Send the file from host a to `endpoint`; returns the client's log and each link's share of a's bytes. */
async function send(t: Topology, endpoint: string, name: string): Promise<{ log: string; shares: number[] }> {
  const out = join(input.dir, name);
  const before = t.links.map((_, i) => t.txBytes(i));
  const r = await netnsTransfer(t, input.file, ["-v", endpoint], out);
  expect([r.cc, r.lc]).toEqual([0, 0]);
  expect(await sha256File(out)).toBe(input.sha);
  return { log: r.clientLog, shares: linkShares(t, before) };
}

describe.skipIf(skip !== null)("paths found without flags", () => {
  test("one endpoint, two policy-routed links: a subflow per route, both links carry data", async () => {
    const t = new Topology([{ rate: "50mbit" }, { rate: "50mbit" }]);
    try {
      t.policyRoutes();
      const r = await send(t, `${t.links[0]!.b4}:9000`, "policy.bin");
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
      const r = await send(t, `${t.links[0]!.b4}:9000`, "plain.bin");
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
      const r = await send(t, "bondhost:9000", "dual.bin");
      expect(r.log).toMatch(/bondhost → (198\.18\.0\.2, fdbc:1::2|fdbc:1::2, 198\.18\.0\.2)/);
      // Loose on purpose (a shared machine): both links carry a real share; the ≥ 40% split is measured
      // by bench/paths.ts.
      for (const s of r.shares) expect(s).toBeGreaterThan(0.25);
    } finally {
      t.destroy();
    }
  }, 60_000);
});
