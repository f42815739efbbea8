/** -vv logs protocol detail (log.trace): the session opening, subflows, the peer's FIN, closing counters. */
import { afterEach, expect, test } from "bun:test";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";

afterEach(killAll);

test("-vv: session, subflow, FIN and closing counters on stderr; -v does not show them", async () => {
  const { cli: l, port } = await startListener(["-v"]);
  const c = spawnCli(["-vv", "-x", "2", `127.0.0.1:${port}`], { stdin: "hello\n" });
  await c.expectExit(0);
  await l.expectExit(0);
  expect(c.stderr).toMatch(/session [0-9a-f]{8}: open, \d subflow\(s\)/);
  expect(c.stderr).toMatch(/subflow \d+ up \(tcp 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\)/);
  expect(c.stderr).toMatch(/peer FIN \(its stream ends at 0 bytes\)/);
  expect(c.stderr).toMatch(/closed cleanly; sent 6 B \(acked 6\), received 0 B/);
  expect(l.stderr).not.toContain("peer FIN"); // -v is debug, not trace
}, 30_000);
