/**
 * A receiver whose reader pauses for longer than the dead-path timeout (5 s): delivery pauses, the
 * window closes, the sender waits — nobody mistakes the pause for dead paths, nothing is lost.
 */
import { afterEach, expect, test } from "bun:test";
import { BIN, BUN, killAll, spawnCli, waitFor } from "../helpers/cli.ts";
import { pseudoRandom, sha256 } from "../helpers/cli.ts";

afterEach(killAll);

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

test("a reader that pauses 7 s: no path is given up, the stream arrives whole", async () => {
  const port = await freePort();
  const data = pseudoRandom(32 << 20, 7);
  const listener = Bun.spawn(["sh", "-c", `'${BUN}' '${BIN}' -l -v -p ${port} | (sleep 7; sha256sum)`], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  let lerr = "";
  void (async () => {
    for await (const c of listener.stderr) lerr += new TextDecoder().decode(c);
  })();
  await waitFor(() => lerr.includes("listening on"), 20_000, "listener");
  const c = spawnCli(["-v", "-x", "2", `127.0.0.1:${port}`], { stdin: data, stdout: "ignore" });
  await c.expectExit(0);
  expect(await listener.exited).toBe(0);
  const digest = (await new Response(listener.stdout).text()).split(" ")[0];
  expect(digest).toBe(sha256(data));
  expect(c.stderr).not.toContain("subflow down");
  expect(lerr).not.toContain("subflow down");
}, 90_000);
