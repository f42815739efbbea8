/**
 * The tail of a v0 transfer on slow links (namespaces, two 20 Mbit/s tbf links): the dialer's stdin
 * closes right after the data. Ours (--compat v0) waits until every frame is acknowledged before it
 * closes its subflows, so the Go listener gets everything, every run; the Go dialer does not wait
 * (its count is printed for comparison, not asserted). Skipped with the reason where unavailable.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { networkSkipReason, Topology } from "../helpers/netns.ts";
import { BIN, BUN, killAll, pseudoRandom, sha256, spawnCli } from "../helpers/cli.ts";
import { GO_BONDCAT, goPeerSkipReason } from "../helpers/bondcat-go.ts";

const skip = networkSkipReason() ?? goPeerSkipReason;
if (skip) console.warn(`skipping the v0 tail test on shaped links: ${skip}`);
afterEach(killAll);

async function listening(t: Topology, port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = Bun.spawnSync(t.exec("b", ["ss", "-Hltn", `sport = :${port}`]));
    if (r.stdout.toString().trim() !== "") return;
    await Bun.sleep(25);
  }
  throw new Error("the Go listener did not start");
}

/** One transfer a → b over both links into a Go listener; whether it arrived complete. */
async function run(t: Topology, dialer: string[], data: Uint8Array, port: number, got: number[] = []): Promise<boolean> {
  const go = spawnCli(["-a", "-l", "-p", String(port)], { command: t.exec("b", [GO_BONDCAT]), stdin: "pipe" });
  await listening(t, port);
  const eps = t.links.map((l) => `${l.b4}:${port}`);
  const c = spawnCli([...dialer, ...eps], { command: t.exec("a", dialer[0] === "--compat" ? [BUN, BIN] : [GO_BONDCAT]), stdin: data });
  await c.exited;
  const within = await go.exitedWithin(15_000);
  if (within === null) await go.kill();
  got.push(go.stdoutBytes);
  return (await go.stdoutSha256()) === sha256(data);
}

describe.skipIf(skip !== null)("v0 tail on shaped links", () => {
  test("our --compat v0 dialer: 10 of 10 runs complete; the Go dialer's count printed", async () => {
    const t = new Topology([{ rate: "20mbit" }, { rate: "20mbit" }]);
    try {
      const data = pseudoRandom(2 << 20, 5);
      let ours = 0;
      for (let i = 0; i < 10; i++) if (await run(t, ["--compat", "v0", "-a"], data, 9100 + i)) ours++;
      let theirs = 0;
      const got: number[] = [];
      for (let i = 0; i < 5; i++) if (await run(t, ["-a"], data, 9200 + i, got)) theirs++;
      console.log(`[v0 tail, 2 MiB over 2 × 20 Mbit/s] ours: ${ours}/10 complete; Go dialer: ${theirs}/5 complete (bytes that arrived: ${got.join(", ")} of ${data.length})`);
      expect(ours).toBe(10);
    } finally {
      t.destroy();
    }
  }, 120_000);
});
