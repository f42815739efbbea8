/**
 * A fleet behind HAProxy over time: health checks every 500 ms for 10 s leave no warning in the
 * relays' logs; a relay killed mid-run ends its sessions on the clients (exit 1, a clear message,
 * within 35 s: at worst the 30 s grace period) while the other relays' sessions finish identical, and no
 * client keeps re-dialing JOINs. Skipped, with the reason, where haproxy is not installed.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { haproxyTcp, haproxyWs, startHaproxy } from "../helpers/balancers.ts";
import { sessionOf, startClients, startRelays, subflowsPerRelay, removeWorkdirs, workdir } from "../helpers/fleet.ts";
import { missing, stopAll } from "../helpers/procs.ts";

afterEach(stopAll);
afterAll(removeWorkdirs);

const noHaproxy = missing("haproxy");

describe.skipIf(noHaproxy !== null)("HAProxy in front of a fleet", () => {
  test("health checks (check inter 500ms, 10 s): tcp relays log them at debug only, ws relays not at all", async () => {
    const tcp = await startRelays(3, "tcp://127.0.0.1:0", ["--proxy-protocol"]);
    const ws = await startRelays(3, "ws://127.0.0.1:0/bond", ["--proxy-protocol"], true);
    await startHaproxy(workdir(), (bind) => haproxyTcp({ bind, relays: tcp.addrs, checkInter: "500ms" }));
    await startHaproxy(workdir(), (bind) => haproxyWs({ bind, relays: ws.addrs, checkInter: "500ms" }));
    await Bun.sleep(10_000);
    for (const p of tcp.procs) {
      const lines = p.log().split("\n").filter((l) => l.trim() !== "");
      const checks = lines.filter((l) => /^\[debug\] subflow from \S+ rejected: closed without sending a byte/.test(l));
      expect(checks.length).toBeGreaterThanOrEqual(5); // ~20 checks; consola folds repeated identical lines
      expect(lines.filter((l) => !l.startsWith("[debug]") && !/listening on/.test(l))).toEqual([]);
    }
    for (const p of ws.procs) {
      expect(p.log().split("\n").filter((l) => l.trim() !== "" && !/listening on/.test(l))).toEqual([]);
    }
  }, 60_000);

  test("a relay killed mid-run: its clients exit 1 within 35 s, the others finish identical", async () => {
    const fleet = await startRelays(3, "tcp://127.0.0.1:0", ["--proxy-protocol"]);
    const { port } = await startHaproxy(workdir(), (bind) => haproxyTcp({ bind, relays: fleet.addrs, checkInter: "500ms" }));
    const clients = await startClients(6, 4, 128 << 10, ["-x", "4", `tcp://127.0.0.1:${port}`]);
    // First half of every session, echoed back: every session is live on its relay.
    const half = 64 << 10;
    await Promise.all(clients.map((c) => c.cli.write(c.data.subarray(0, half))));
    for (let i = 0; i < 1000 && clients.some((c) => c.cli.stdoutBytes < half); i++) await Bun.sleep(20);
    const relayOf = await Promise.all(clients.map(async (c) => subflowsPerRelay(fleet, await sessionOf(c)).findIndex((n) => n > 0)));
    const victim = relayOf[0]!;
    const t0 = Date.now();
    fleet.procs[victim]!.kill();
    const doomed = clients.filter((_, i) => relayOf[i] === victim);
    const others = clients.filter((_, i) => relayOf[i] !== victim);
    await Promise.all(others.map(async (c) => {
      await c.cli.write(c.data.subarray(half));
      await c.cli.endInput();
    }));
    const doomedCodes = await Promise.all(doomed.map(async (c) => {
      const code = await c.cli.exited;
      return { code, s: (Date.now() - t0) / 1000, msg: c.cli.stderr.split("\n").filter((l) => /\[error\]/.test(l)).join(" | ") };
    }));
    console.error(`relay ${victim + 1} killed; its ${doomed.length} session(s): ${doomedCodes.map((d) => `exit ${d.code} after ${d.s.toFixed(1)} s: ${d.msg}`).join("; ")}`);
    for (const d of doomedCodes) {
      expect(d.code).toBe(1);
      expect(d.s).toBeLessThan(35);
      expect(d.msg).toMatch(/no subflow|peer|relay|listener|session/i);
    }
    for (const c of others) {
      expect(await c.cli.exited).toBe(0);
      expect(await c.cli.stdoutSha256()).toBe(c.sha);
    }
    // JOINs re-dialed after the kill were answered UNKNOWN_SESSION by a survivor at most once per path.
    const refused = fleet.procs.filter((_, i) => i !== victim).reduce((n, p) => n + (p.log().match(/unknown session/g) ?? []).length, 0);
    expect(refused).toBeLessThanOrEqual(doomed.length * 4);
  }, 90_000);
});
