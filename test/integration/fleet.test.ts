/**
 * A fleet of 3 relays behind the real HAProxy and nginx, with the configurations docs/DEPLOY.md
 * documents: 12 sessions × 4 subflows each, every subflow of a session on one relay, all data
 * identical — HAProxy tcp (stick table on the session id, PROXY v2 to the relays), HAProxy
 * terminating TLS (same stick table, PROXY v1), nginx ws and wss and HAProxy ws (hash on the
 * Bondcat-Session header). Skipped, with the reason, where haproxy or nginx is not installed.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSelfSigned } from "../../transports/self-signed.ts";
import { haproxyTcp, haproxyWs, nginxWs, startHaproxy, startNginx } from "../helpers/balancers.ts";
import { expectAllTogether, sendAll, startClients, startRelays, removeWorkdirs, workdir } from "../helpers/fleet.ts";
import { missing, stopAll } from "../helpers/procs.ts";

const SESSIONS = 12;
const SUBFLOWS = 4;
const BYTES = 192 << 10;
afterEach(stopAll);
afterAll(removeWorkdirs);

function certFiles(dir: string) {
  const c = generateSelfSigned();
  const cert = join(dir, "cert.pem");
  const key = join(dir, "key.pem");
  const both = join(dir, "both.pem");
  writeFileSync(cert, c.cert);
  writeFileSync(key, c.key, { mode: 0o600 });
  writeFileSync(both, c.cert + c.key, { mode: 0o600 });
  return { cert, key, both, fingerprint: c.fingerprint };
}

async function run(url: string, fleet: Awaited<ReturnType<typeof startRelays>>, extra: string[] = []) {
  const clients = await startClients(SESSIONS, SUBFLOWS, BYTES, ["-x", String(SUBFLOWS), ...extra, url]);
  await sendAll(clients);
  const { perRelay } = await expectAllTogether(fleet, clients, SUBFLOWS);
  console.error(`${url}: ${SESSIONS} sessions × ${SUBFLOWS} subflows, per relay ${perRelay.join("/")}`);
  expect(perRelay.filter((n) => n > 0).length).toBeGreaterThan(1); // the balancer did spread sessions
  return clients;
}

const noHaproxy = missing("haproxy");
const noNginx = missing("nginx");

describe.skipIf(noHaproxy !== null)("HAProxy", () => {
  test("tcp: stick table on the session id, PROXY v2 to the relays (they log the real client)", async () => {
    const dir = workdir();
    const fleet = await startRelays(3, "tcp://127.0.0.1:0", ["--proxy-protocol"]);
    const { port } = await startHaproxy(dir, (bind) => haproxyTcp({ bind, relays: fleet.addrs, checkInter: "500ms" }));
    const clients = await run(`tcp://127.0.0.1:${port}`, fleet);
    // The relays saw the clients' own addresses (PROXY v2), not HAProxy's outgoing connections.
    const relayRemotes = fleet.procs.flatMap((p) => [...p.log().matchAll(/subflow from (\S+) up/g)].map((m) => m[1]));
    const clientLocals = clients.flatMap((c) => [...c.cli.stderr.matchAll(/subflow up: .*\((\S+) → /g)].map((m) => m[1]));
    expect(relayRemotes.length).toBeGreaterThanOrEqual(SESSIONS * SUBFLOWS);
    expect(relayRemotes.sort()).toEqual(clientLocals.sort());
  }, 120_000);

  test("terminating TLS, then the same stick table (PROXY v1 to the relays)", async () => {
    const dir = workdir();
    const { both, fingerprint } = certFiles(dir);
    const fleet = await startRelays(3, "tcp://127.0.0.1:0", ["--proxy-protocol"]);
    const { port } = await startHaproxy(dir, (bind) => haproxyTcp({ bind, tls: both, proxyV1: true, relays: fleet.addrs, checkInter: "500ms" }));
    await run(`tls://127.0.0.1:${port}`, fleet, ["--pin", fingerprint]);
  }, 120_000);

  test("ws: HTTP mode, balance hdr(Bondcat-Session), health check GET /healthz, PROXY v2 to the relays", async () => {
    const dir = workdir();
    const fleet = await startRelays(3, "ws://127.0.0.1:0/bond", ["--proxy-protocol"]);
    const { port } = await startHaproxy(dir, (bind) => haproxyWs({ bind, relays: fleet.addrs, checkInter: "500ms" }));
    await run(`ws://127.0.0.1:${port}/bond`, fleet);
  }, 120_000);
});

describe.skipIf(noNginx !== null)("nginx", () => {
  for (const secure of [false, true]) {
    test(`${secure ? "wss" : "ws"}: hash $http_bondcat_session consistent`, async () => {
      const dir = workdir();
      const tls = secure ? certFiles(dir) : undefined;
      const fleet = await startRelays(3, "ws://127.0.0.1:0/bond");
      const { port } = await startNginx(dir, (listen) => nginxWs({ listen, relays: fleet.addrs, path: "/bond", ...(tls ? { tls } : {}) }));
      await run(`${secure ? "wss" : "ws"}://127.0.0.1:${port}/bond`, fleet, tls ? ["--pin", tls.fingerprint] : []);
    }, 120_000);
  }
});
