/**
 * A killed peer, as processes on loopback: the listener is killed with SIGKILL mid-session; its host
 * refuses every re-dial, so the client ends within seconds (not after the 30 s grace period) with exit
 * code 1 and an error that says the peer is gone. (The network-outage side: test/integration/peer-gone.)
 */
import { afterEach, expect, test } from "bun:test";
import { killAll, spawnCli, startListener, waitFor } from "../helpers/cli.ts";

afterEach(killAll);

test("the listener is killed: every re-dial refused, the client exits 1 in seconds saying the peer is gone", async () => {
  const { cli: l, port } = await startListener(["-v", "-p", "0"]);
  const c = spawnCli(["-v", `127.0.0.1:${port}`, `127.0.0.1:${port}`], { stdin: "pipe", stdout: "ignore" });
  await waitFor(() => /session \w+ opened/.test(l.stderr) && /subflow up/.test(c.stderr), 20_000, "session open");
  await c.write("hello\n");
  l.proc.kill("SIGKILL");
  const t0 = Date.now();
  expect(await c.exited).toBe(1);
  expect(Date.now() - t0).toBeLessThan(15_000); // the grace period is 30 s
  expect(c.stderr).toMatch(/peer gone: every path was refused/);
}, 30_000);
