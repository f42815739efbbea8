/**
 * Links with real propagation delay (tier 4): TAP pairs joined by test/helpers/delay-link.py, as the
 * failover tests and benchmarks use them. The round trip measured by ping is twice the one-way delay
 * (within loose bounds), and a bonded transfer over a delayed, shaped link arrives identical.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { delaySkipReason, networkSkipReason, Topology } from "../helpers/netns.ts";
import { BIN, BUN, killAll, spawnCli, startListener } from "../helpers/cli.ts";
import { randomFile, sha256File } from "../helpers/files.ts";

const skip = networkSkipReason() ?? delaySkipReason();
if (skip) console.warn(`skipping delay-link tests: ${skip}`);
const noPing = spawnSync("ping", ["-V"]).status === 0 ? null : "ping is not installed (iputils-ping)";
if (!skip && noPing) console.warn(`skipping the ping test: ${noPing}`);
const MiB = 1 << 20;
let dir = "";

beforeAll(() => {
  if (!skip) dir = mkdtempSync(join(tmpdir(), "bondcat-delay-"));
});
afterEach(killAll);
afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

/** Round-trip times (ms) of `count` pings from host a to `dst`, after one to resolve the neighbour. */
function pingRtts(t: Topology, dst: string, count: number): number[] {
  const argv = t.exec("a", ["ping", "-n", "-c", String(count + 1), "-i", "0.2", "-W", "2", dst]);
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8" });
  return [...r.stdout.matchAll(/time=([\d.]+) ms/g)].slice(1).map((m) => Number(m[1]));
}

describe.skipIf(skip !== null)("links with one-way delay", () => {
  test.skipIf(noPing !== null)("ping over a 20 ms link answers in about 40 ms, IPv4 and IPv6", () => {
    const t = new Topology([{ delayMs: 20 }, { rate: "100mbit", delayMs: 5 }]);
    try {
      for (const [dst, oneWay] of [
        [t.links[0]!.b4, 20],
        [t.links[0]!.b6, 20],
        [t.links[1]!.b4, 5],
      ] as const) {
        const rtts = pingRtts(t, dst, 4);
        expect(rtts.length).toBe(4);
        expect(Math.min(...rtts)).toBeGreaterThanOrEqual(2 * oneWay);
        expect(Math.min(...rtts)).toBeLessThan(2 * oneWay + 15); // loose: a shared, busy machine
      }
    } finally {
      t.destroy();
    }
  }, 30_000);

  test("a transfer over 100 Mbit/s @ 20 ms + 100 Mbit/s @ 5 ms arrives identical, both links used", async () => {
    const t = new Topology([{ rate: "100mbit", delayMs: 20 }, { rate: "100mbit", delayMs: 5 }]);
    try {
      const file = join(dir, "in.bin");
      const out = join(dir, "out.bin");
      const sha = await randomFile(file, 16 * MiB);
      const { cli: l } = await startListener(["-p", "9000"], { command: t.exec("b", [BUN, BIN]), stdout: { file: out } });
      const started = performance.now();
      const c = spawnCli([`${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`], { command: t.exec("a", [BUN, BIN]), stdin: { file }, stdout: "ignore" });
      expect(await Promise.all([c.exited, l.exited])).toEqual([0, 0]);
      const secs = (performance.now() - started) / 1000;
      console.log(`delay links: 16 MiB in ${secs.toFixed(2)} s (${((16 * 8 * 1.048576) / secs).toFixed(0)} Mbit/s)`);
      expect(await sha256File(out)).toBe(sha);
      expect(t.txBytes(0)).toBeGreaterThan(2 * MiB);
      expect(t.txBytes(1)).toBeGreaterThan(2 * MiB);
    } finally {
      t.destroy();
    }
  }, 60_000);
});
