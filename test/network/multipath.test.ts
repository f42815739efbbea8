/**
 * Real networks (tier 4): two hosts in Linux network namespaces joined by several veth links, shaped
 * with tbf. Bonded transfers across the links, a link cut silently (packets dropped, nothing reset) or
 * loudly (link down) mid-transfer, IPv4 and IPv6 paths in one session. Skipped, with the reason printed,
 * where namespaces are unavailable (not root, no iproute2).
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { waitFor } from "../helpers/cli.ts";
import { fileSize, sha256File } from "../helpers/files.ts";
import { hasNft, networkSkipReason, Topology } from "../helpers/netns.ts";
import { inputFile, netnsTransfer } from "../helpers/netns-transfer.ts";

const skip = networkSkipReason();
if (skip) console.warn(`skipping network tests: ${skip}`);
const MiB = 1 << 20;
const input = inputFile(24, skip);

const transfer = (t: Topology, endpoints: string[], out: string, during?: () => Promise<void>) =>
  netnsTransfer(t, input.file, ["-v", ...endpoints], out, during);

describe.skipIf(skip !== null)("bonded transfers over namespaced links", () => {
  test("two shaped IPv4 links (60 + 20 Mbit/s): both carry data, output identical", async () => {
    const t = new Topology([{ rate: "60mbit" }, { rate: "20mbit" }]);
    try {
      const out = join(input.dir, "two.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], out);
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      // Each link carried a real share, the faster one more.
      const [tx0, tx1] = [t.txBytes(0), t.txBytes(1)];
      expect(tx1).toBeGreaterThan(2 * MiB);
      expect(tx0).toBeGreaterThan(tx1);
    } finally {
      t.destroy();
    }
  }, 120_000);

  test("IPv4 and IPv6 paths in one session", async () => {
    const t = new Topology([{ rate: "100mbit" }, { rate: "100mbit" }]);
    try {
      const out = join(input.dir, "mixed.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, `[${t.links[1]!.b6}]:9000`], out);
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      expect(t.txBytes(0)).toBeGreaterThan(2 * MiB);
      expect(t.txBytes(1)).toBeGreaterThan(2 * MiB);
    } finally {
      t.destroy();
    }
  }, 120_000);

  test.skipIf(!hasNft())("a link cut silently mid-transfer: detected, data reinjected, nothing lost", async () => {
    const t = new Topology([{ rate: "50mbit" }, { rate: "50mbit" }]);
    try {
      const out = join(input.dir, "cut.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], out, async () => {
        await waitFor(() => fileSize(out) > 4 * MiB, 60_000, "4 MiB through");
        t.cut(1);
      });
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      expect(r.clientLog).toMatch(/subflow down: \S+198\.18\.1\.2:9000: subflow (stalled|silent)/);
      const reinjected = /reinjected (\d+(?:\.\d+)?) MiB/.exec(r.clientLog);
      expect(Number(reinjected?.[1] ?? 0)).toBeGreaterThan(0);
    } finally {
      t.destroy();
    }
  }, 120_000);

  test("a link taken down mid-transfer, then the rest of the stream over the other", async () => {
    const t = new Topology([{ rate: "50mbit" }, { rate: "50mbit" }]);
    try {
      const out = join(input.dir, "down.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], out, async () => {
        await waitFor(() => fileSize(out) > 4 * MiB, 60_000, "4 MiB through");
        t.down(0);
      });
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      expect(r.clientLog).toContain("subflow down");
    } finally {
      t.destroy();
    }
  }, 120_000);
});
