/** -b / --benchmark end to end: rates every second with a per-subflow breakdown, and a summary. */
import { afterEach, describe, expect, test } from "bun:test";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";

afterEach(killAll);

const RATE_LINE = /^\[\s*[\d.]+s\] TX\s+[\d.]+ \S+\/s\s+RX\s+[\d.]+ \S+\/s\s+\(\d+ subflows?\)$/m;
const SUBFLOW_LINE = /^\s+#\d+\s+tcp\s+\S+ → \S+\s+TX\s+[\d.]+ \S+\/s\s+RX\s+[\d.]+ \S+\/s\s+rtt /m;
const SUMMARY = /benchmark done after ([\d.]+)s: TX ([\d.]+) (\S+) \(.*\) RX ([\d.]+) (\S+) \(/;

function bytesOf(value: string, unit: string): number {
  const mult: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };
  return Number(value) * (mult[unit] ?? Number.NaN);
}

describe("bondcat -b", () => {
  test("both ends benchmark: per-second rates per subflow, then a summary; --duration ends it, exit 0", async () => {
    const { cli: l, port } = await startListener(["-b"]);
    const c = spawnCli(["-b", "--duration", "3s", "-x", "2", `127.0.0.1:${port}`]);
    await c.expectExit(0);
    await l.expectExit(0);
    for (const side of [c, l]) {
      expect(side.stderr).toMatch(RATE_LINE);
      expect(side.stderr).toMatch(SUBFLOW_LINE);
      const m = SUMMARY.exec(side.stderr);
      expect(m).not.toBeNull();
      expect(bytesOf(m![2]!, m![3]!)).toBeGreaterThan(0); // TX
      expect(bytesOf(m![4]!, m![5]!)).toBeGreaterThan(0); // RX
    }
    // What one side sent is what the other received (the summaries count acknowledged bytes).
    const cs = SUMMARY.exec(c.stderr)!;
    const ls = SUMMARY.exec(l.stderr)!;
    expect(`${cs[2]} ${cs[3]}`).toBe(`${ls[4]} ${ls[5]}`);
    expect(`${cs[4]} ${cs[5]}`).toBe(`${ls[2]} ${ls[3]}`);
  }, 60_000);

  test("Ctrl-C stops a benchmark cleanly: summary, exit 0; a stdio peer receives zeros", async () => {
    const { cli: l, port } = await startListener([], { stdout: "hash" });
    const c = spawnCli(["-b", `127.0.0.1:${port}`]);
    await c.waitForStderr(RATE_LINE, 30_000);
    c.signal("SIGINT");
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stderr).toMatch(SUMMARY);
    expect(l.stdoutBytes).toBeGreaterThan(0);
    const zeros = new Bun.CryptoHasher("sha256").update(new Uint8Array(l.stdoutBytes)).digest("hex");
    expect(await l.stdoutSha256()).toBe(zeros);
  }, 60_000);

  test("--duration without -b is a usage error", async () => {
    const c = spawnCli(["--duration", "3s", "127.0.0.1:1"]);
    await c.expectExit(2);
    expect(c.stderr).toContain("--duration applies to -b");
  }, 30_000);
});
