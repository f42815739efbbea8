/**
 * A name whose addresses are different machines: a JOIN refused with UNKNOWN_SESSION by another address
 * than the one the session was opened on drops that path quietly (no warning, no re-dial); from the
 * session's own address it is an error as before.
 */
import { expect, test } from "bun:test";
import { Acceptor } from "../../src/core/acceptor.ts";
import { withDefaults } from "../../src/core/options.ts";
import { PathManager, type PathSpec } from "../../src/core/path-manager.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";
import { endpoint, waitFor } from "../helpers/session-harness.ts";

async function run(secondAddress: string) {
  const o = withDefaults({ heartbeatMs: 200 });
  // Two listeners that know nothing of each other's sessions: two machines.
  const machines = [0, 1].map(() => new Acceptor(o, { session: () => endpoint().events }));
  let dials = 0;
  const specs: PathSpec[] = ["198.18.0.2:9000", secondAddress].map((remote, i) => ({
    label: `path${i}`,
    backup: false,
    dial: async () => {
      dials++;
      if (i === 1) await Bun.sleep(30); // the session opens on path 0
      const [a, b] = memoryPipePair({ addresses: ["c", remote] });
      machines[i]!.accept(b);
      return a;
    },
  }));
  const seen = { failed: [] as string[], dropped: [] as string[] };
  const pm = new PathManager(specs, o, {
    dialFailed: (_p, err) => seen.failed.push(err.message),
    dropped: (_p, why) => seen.dropped.push(why),
  }, { minMs: 10, maxMs: 20 });
  const session = await pm.open(endpoint().events);
  await waitFor(() => seen.failed.length + seen.dropped.length > 0, 2000, "the JOIN answered");
  await Bun.sleep(100); // no re-dial either way
  session.abort(0, "test over");
  return { ...seen, dials };
}

test("UNKNOWN_SESSION from another address of the name: the path is dropped quietly", async () => {
  const r = await run("[fdbc:1::2]:9000");
  expect(r.failed).toEqual([]);
  expect(r.dropped).toEqual(["[fdbc:1::2] does not know the session (another machine than 198.18.0.2): path dropped"]);
  expect(r.dials).toBe(2);
});

test("UNKNOWN_SESSION from the session's own address is reported", async () => {
  const r = await run("198.18.0.2:9000");
  expect(r.dropped).toEqual([]);
  expect(r.failed.join()).toMatch(/does not know this session/);
});
