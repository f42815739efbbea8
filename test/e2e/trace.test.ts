/**
 * -vv logs protocol detail (log.trace): the session opening, subflows, the peer's FIN, closing counters,
 * and the engine's frame-level lines (BondOptions.trace): handshake steps and every frame sent and
 * received, named by subflow. -v shows none of them.
 */
import { afterEach, expect, test } from "bun:test";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";

afterEach(killAll);

test("-vv: session, subflow, FIN and closing counters, and frame lines per subflow on stderr; -v does not show them", async () => {
  const { cli: l, port } = await startListener(["-v"]);
  const c = spawnCli(["-vv", "-x", "2", `127.0.0.1:${port}`], { stdin: "hello\n" });
  await c.expectExit(0);
  await l.expectExit(0);
  expect(c.stderr).toMatch(/session [0-9a-f]{8}: open, \d subflow\(s\)/);
  expect(c.stderr).toMatch(/subflow \d+ up \(tcp 127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\)/);
  expect(c.stderr).toMatch(/peer FIN \(its stream ends at 0 bytes\)/);
  expect(c.stderr).toMatch(/closed cleanly; sent 6 B \(acked 6\), received 0 B/);
  // The engine's lines, each naming its subflow (the path label and its number).
  const sub = String.raw`subflow tcp://127\.0\.0\.1:${port} #[12]: `;
  for (const line of [
    "handshake: sent HELLO OPEN session [0-9a-f]{8}",
    "handshake: sent HELLO JOIN session [0-9a-f]{8}",
    "handshake: got REPLY OK",
    "sent DATA offset 0 length 6",
    "got ACK 6 window \\d+ received here \\d+(?: \\+FIN)?", // the last ACK may carry the peer's FIN flag
    "sent PING \\d+",
    "got PONG \\d+",
    "sent FIN at 6",
    "got FIN at 0",
  ]) {
    expect(c.stderr).toMatch(new RegExp(`\\[trace\\] ${sub}${line}\n`));
  }
  expect(l.stderr).not.toContain("peer FIN"); // -v is debug, not trace
  expect(l.stderr).not.toMatch(/(sent|got) (DATA|ACK|PING|PONG|FIN)|handshake: /);
}, 30_000);

test("-vv on the listener: its subflows are named by number, transport and peer address", async () => {
  const { cli: l, port } = await startListener(["-vv"]);
  const c = spawnCli([`127.0.0.1:${port}`], { stdin: "hi\n" });
  await c.expectExit(0);
  await l.expectExit(0);
  expect(l.stdoutBytes).toBe(3);
  expect(l.stderr).toMatch(/\[trace\] subflow #\d+ tcp 127\.0\.0\.1:\d+: handshake: got HELLO OPEN v1 session [0-9a-f]{8}\n/);
  expect(l.stderr).toMatch(/\[trace\] subflow #\d+ tcp 127\.0\.0\.1:\d+: got DATA offset 0 length 3\n/);
  expect(c.stderr).toBe("");
}, 30_000);
