/**
 * Failover on real links (tier 4): two hosts in network namespaces joined by two tbf-shaped 200 Mbit/s
 * veth links, one cut silently with nftables mid-transfer. Correctness with loose bounds — identical
 * output, no 1 s window without progress, the backup takes over, a backup carries next to nothing while
 * its primary is healthy, rsync over ssh over bondcat survives a cut. The real figures (longest receive
 * gap, next to kernel MPTCP) come from bench/failover.ts. Skipped, with the reason, where namespaces are
 * unavailable.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { waitFor } from "../helpers/cli.ts";
import { fileSize, sha256File } from "../helpers/files.ts";
import { hasNft, networkSkipReason, Topology } from "../helpers/netns.ts";
import { inputFile, netnsTransfer } from "../helpers/netns-transfer.ts";
import { rsyncRun } from "../helpers/rsync-over-bondcat.ts";
import { sshUnavailable } from "../helpers/sshd.ts";

const skip = networkSkipReason() ?? (hasNft() ? null : "nft (nftables) is not installed");
if (skip) console.warn(`skipping failover network tests: ${skip}`);
const noSsh = skip ?? sshUnavailable() ?? (Bun.which("rsync") ? null : "rsync is not installed");
if (!skip && noSsh) console.warn(`skipping rsync over ssh over bondcat: ${noSsh}`);
const MiB = 1 << 20;
const input = inputFile(96, skip);

/** Longest time (ms) `out` did not grow, from its first byte until `done` settles (polled every 20 ms). */
async function longestStall(out: string, done: Promise<unknown>): Promise<number> {
  let over = false;
  void done.finally(() => (over = true));
  let last = 0;
  let grewAt = 0;
  let worst = 0;
  while (!over) {
    await Bun.sleep(20);
    const n = fileSize(out);
    if (n > last) {
      const now = performance.now();
      if (grewAt > 0) worst = Math.max(worst, now - grewAt);
      grewAt = now;
      last = n;
    }
  }
  return worst;
}

/** Send the file from host a to a listener on host b; cut link `cut` once 16 MiB arrived. */
async function transfer(t: Topology, client: string[], out: string, cut: number | null) {
  let stall = Promise.resolve(0);
  const r = await netnsTransfer(t, input.file, ["-a", "-v", ...client], out, async (done) => {
    stall = longestStall(out, done);
    if (cut !== null) {
      await waitFor(() => fileSize(out) > 16 * MiB, 60_000, "16 MiB through");
      t.cut(cut);
    }
  });
  return { ...r, stallMs: await stall };
}

const twoLinks = () => new Topology([{ rate: "200mbit" }, { rate: "200mbit" }]);

describe.skipIf(skip !== null)("failover over namespaced links (2 × 200 Mbit/s)", () => {
  test("one of two links cut silently: identical, no 1 s without progress", async () => {
    const t = twoLinks();
    try {
      const out = join(input.dir, "cut.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], out, 0);
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      expect(r.stallMs).toBeLessThan(1000);
    } finally {
      t.destroy();
    }
  }, 120_000);

  test("--backup: the only primary cut silently, the backup takes over with no 1 s without progress", async () => {
    const t = twoLinks();
    try {
      const out = join(input.dir, "backup.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, "--backup", `${t.links[1]!.b4}:9000`], out, 0);
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      expect(r.stallMs).toBeLessThan(1000);
      expect(t.txBytes(1)).toBeGreaterThan(32 * MiB); // the rest of the stream went over the backup
    } finally {
      t.destroy();
    }
  }, 120_000);

  test("--backup without a cut: the backup link carries next to nothing", async () => {
    const t = twoLinks();
    try {
      const out = join(input.dir, "idle-backup.bin");
      const r = await transfer(t, [`${t.links[0]!.b4}:9000`, "--backup", `${t.links[1]!.b4}:9000`], out, null);
      expect([r.cc, r.lc]).toEqual([0, 0]);
      expect(await sha256File(out)).toBe(input.sha);
      const [x0, x1] = [t.txBytes(0), t.txBytes(1)];
      expect(x1 / (x0 + x1)).toBeLessThan(0.03); // the bench measures the real share (≤ 1%)
    } finally {
      t.destroy();
    }
  }, 120_000);

  test.skipIf(noSsh !== null)("rsync over ssh over bondcat, one link cut silently mid-transfer: identical, no 1 s without progress", async () => {
    const t = twoLinks();
    try {
      const r = await rsyncRun(t, input.dir, input.file, 0, 1500);
      expect(r.identical).toBe(true);
      expect(r.stallS).toBeLessThan(1);
    } finally {
      t.destroy();
    }
  }, 120_000);
});
