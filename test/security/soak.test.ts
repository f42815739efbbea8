/**
 * Soak: 50 legitimate sessions through `-l -k --relay` (to an echo server) for SOAK_SECONDS (default 60)
 * while subflows are killed every 200–500 ms (`ss -K`, root) and hostile connections run beside them
 * (silent, garbage, refused HELLOs kept open, trickled HELLOs). Every session's output is identical to
 * its input, and afterwards the listener's RSS and fds are back within 20 MiB / 5 fds of the baseline.
 *   SOAK_SECONDS=600 bun test test/security/soak.test.ts      (SOAK_SESSIONS=N for another count)
 */
import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { startOpen } from "../../src/core/handshake.ts";
import { killAll, pseudoRandom, sha256, spawnCli, startListener, waitFor } from "../helpers/cli.ts";
import { startEchoServer } from "../helpers/echo.ts";
import { RawClient } from "../helpers/raw-client.ts";
import { randomId, refusedHello } from "../helpers/raw-handshake.ts";
import { canKillSockets, clientPorts, ssKill } from "../helpers/sockets.ts";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const SESSIONS = Number(process.env.SOAK_SESSIONS ?? 50);
const CHUNK = 16 * 1024;

afterAll(killAll);

const rssMiB = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;

test.skipIf(!canKillSockets)(`soak: ${SESSIONS} sessions for ${SECONDS} s under subflow kills and hostile connections`, { timeout: (SECONDS + 180) * 1000 }, async () => {
  const echo = startEchoServer();
  const { cli: l, port } = await startListener(["-k", "-4", "--relay", `127.0.0.1:${echo.port}`]);
  // warm-up session, then the baseline
  const warm = spawnCli(["-a", `127.0.0.1:${port}`], { stdin: pseudoRandom(4 << 20, 99) });
  await warm.expectExit(0);
  await Bun.sleep(500);
  const base = { rss: rssMiB(l.pid), fds: fds(l.pid) };

  const deadline = performance.now() + SECONDS * 1000;
  const running = () => performance.now() < deadline;
  // legitimate sessions: each writes CHUNK every 200 ms until the deadline, then ends its input
  const sessions = Array.from({ length: SESSIONS }, async (_, i) => {
    const c = spawnCli(["-a", "-x", "2", `127.0.0.1:${port}`], { stdin: "pipe" });
    const sent = new Bun.CryptoHasher("sha256");
    let n = 0;
    while (running()) {
      const chunk = pseudoRandom(CHUNK, i * 100_000 + n++);
      sent.update(chunk);
      await c.write(chunk);
      await Bun.sleep(200);
    }
    await c.endInput();
    await c.expectExit(0);
    return { want: sent.digest("hex"), got: await c.stdoutSha256() };
  });
  // kills start once every session is open (an OPEN killed in its handshake fails that client: no
  // session exists yet to rejoin)
  await waitFor(() => clientPorts(port).length >= SESSIONS * 2, 60_000, "every session's subflows up");
  // subflow killer
  let kills = 0;
  const killer = (async () => {
    while (running()) {
      const ports = clientPorts(port);
      if (ports.length > 0 && ssKill(port, ports[Math.floor(Math.random() * ports.length)]!)) kills++;
      await Bun.sleep(200 + Math.random() * 300);
    }
  })();
  // hostile connections beside them
  let hostile = 0;
  const attackers: RawClient[] = [];
  const attack = (async () => {
    while (running()) {
      const kind = hostile++ % 4;
      try {
        if (kind === 0) attackers.push(await RawClient.open(port)); // silent
        else if (kind === 1) {
          const c = await RawClient.open(port);
          c.send(pseudoRandom(4096, hostile)); // garbage
          attackers.push(c);
        } else if (kind === 2) attackers.push((await refusedHello(port, "unknown-session")).c); // refused, kept open
        else {
          const c = await RawClient.open(port);
          c.send(startOpen("", randomId()).hello.subarray(0, 30)); // a HELLO that never completes
          attackers.push(c);
        }
      } catch {
        // a connection the listener dropped at once is fine
      }
      await Bun.sleep(50);
    }
  })();

  const results = await Promise.all(sessions).catch((err: unknown) => {
    console.error(l.stderr.split("\n").filter((x) => /session .* failed/.test(x)).slice(0, 10).join("\n"));
    throw err;
  });
  await Promise.all([killer, attack]);
  for (const r of results) expect(r.got).toBe(r.want);
  expect(kills).toBeGreaterThan(SECONDS / 2); // the killer really worked (one every 200–500 ms, slower on a loaded machine)
  expect(hostile).toBeGreaterThan(SECONDS * 5);
  // the listener closed the hostile connections itself (deadlines, refusal linger)
  await waitFor(() => attackers.every((c) => c.closedAt !== null), 15_000, "hostile connections closed by the listener");
  for (const c of attackers) c.destroy();
  await waitFor(() => fds(l.pid) <= base.fds + 5, 20_000, `fds back near ${base.fds} (now ${fds(l.pid)})`);
  Bun.gc(true);
  const after = { rss: rssMiB(l.pid), fds: fds(l.pid) };
  console.log(`soak ${SECONDS} s: ${kills} subflows killed, ${hostile} hostile connections; listener RSS ${base.rss.toFixed(1)} → ${after.rss.toFixed(1)} MiB, fds ${base.fds} → ${after.fds}`);
  expect(after.fds).toBeLessThanOrEqual(base.fds + 5);
  await waitFor(() => rssMiB(l.pid) <= base.rss + 20, 20_000, `RSS back within 20 MiB of ${base.rss.toFixed(1)} MiB (now ${rssMiB(l.pid).toFixed(1)})`);
  expect(l.proc.exitCode).toBeNull();
  echo.close();
});
