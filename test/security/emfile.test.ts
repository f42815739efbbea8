/**
 * At the file-descriptor limit the listener stops accepting instead of spinning on EMFILE (Bun's accept
 * loop retries a failing accept4() at once: ~120 000 calls in 3 s were measured), and takes clients again
 * once descriptors are free. The listener runs under `ulimit -n 60` (sh), attacked by 100 silent sockets.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { BIN, BUN, killAll, spawnCli } from "../helpers/cli.ts";
import { RawClient } from "../helpers/raw-client.ts";

const live: RawClient[] = [];
afterEach(async () => {
  for (const c of live.splice(0)) c.destroy();
  await killAll();
});

const cpuSeconds = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};

test("at the fd limit the listener backs off (no accept spin) and recovers when descriptors free up", { timeout: 60_000 }, async () => {
  const l = spawnCli(["-c", `ulimit -n 60; exec ${BUN} ${BIN} -l -k -4 -p 0 -e cat`], { command: ["sh"] });
  const port = await l.waitForPort();
  for (let i = 0; i < 100; i++) live.push(await RawClient.open(port));
  await Bun.sleep(1000);
  const c0 = cpuSeconds(l.pid);
  await Bun.sleep(2000);
  const used = cpuSeconds(l.pid) - c0;
  expect(used).toBeLessThan(0.3); // spinning on EMFILE took a whole core (0.3 s/s even on a loaded machine)
  await l.waitForStderr(/file descriptors in use: not accepting connections until some close/);
  // the attackers go away: a legitimate client is served again
  for (const c of live.splice(0)) c.destroy();
  await Bun.sleep(500);
  const c = spawnCli(["-a", `127.0.0.1:${port}`], { stdin: "after the storm\n", stdout: "keep" });
  await c.expectExit(0);
  expect(c.stdoutText()).toBe("after the storm\n");
});
