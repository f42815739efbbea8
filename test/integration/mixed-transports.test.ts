/**
 * Acceptance: one session over a tcp://, a tls:// and a wss:// subflow (two bondcat processes on
 * 127.0.0.1) carries 256 MiB each way, sha256-identical, while each subflow in turn is destroyed
 * mid-transfer with `ss -K` (the path manager re-dials it). Nothing may be lost.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bondcat, listeningUrls, missing, stopAll } from "../helpers/procs.ts";
import { fileSize, randomFile, sha256File } from "../helpers/files.ts";

const SIZE = 256 << 20;
const dir = mkdtempSync(join(tmpdir(), "bondcat-mixed-"));
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

function isRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Kill the established TCP connections to `port` on 127.0.0.1 (the subflow's, client and server side). */
function killConnections(port: number): string {
  const r = Bun.spawnSync(["ss", "-K", "dst", "127.0.0.1", "dport", "=", `:${port}`]);
  return r.stdout.toString();
}

// Reported as skipped (not passed) where it cannot run; the reason is printed.
const noSs = missing("ss"); // prints its own reason
const cannot = noSs ?? (isRoot() ? null : "ss -K needs root (CAP_NET_ADMIN)");
if (cannot && !noSs) console.error(`skipped: ${cannot}`);

test.skipIf(cannot !== null)("tcp + tls + wss in one session: 256 MiB each way, subflows destroyed mid-transfer", async () => {
  const upIn = join(dir, "up.in");
  const downIn = join(dir, "down.in");
  const upOut = join(dir, "up.out");
  const downOut = join(dir, "down.out");
  await Promise.all([randomFile(upIn, SIZE), randomFile(downIn, SIZE)]);

  const listener = bondcat(
    ["-l", "--listen", "tcp://127.0.0.1:0", "--listen", "tls://127.0.0.1:0", "--listen", "wss://127.0.0.1:0/bond"],
    { stdin: downIn, stdout: upOut },
  );
  const urls = await listeningUrls(listener, 3);
  const fp = (await listener.waitFor(/sha256:[0-9a-f]{64}/))[0];
  const ports = urls.map((u) => Number(new URL(u).port));
  const client = bondcat(["-a", "-v", "--pin", fp, ...urls], { stdin: upIn, stdout: downOut });

  // Destroy each subflow once, at ~20%, ~45% and ~70% of the upload, while data flows both ways.
  const killed: string[] = [];
  for (const [i, frac] of [[0, 0.2], [1, 0.45], [2, 0.7]] as const) {
    while (fileSize(upOut) < SIZE * frac) {
      if (client.proc.exitCode !== null) break;
      await Bun.sleep(20);
    }
    if (client.proc.exitCode !== null) break;
    const out = killConnections(ports[i] as number);
    if (out.includes("ESTAB")) killed.push(urls[i] as string);
  }
  const [cc, lc] = await Promise.all([client.exited, listener.exited]);
  if (cc !== 0 || lc !== 0) console.error(`client:\n${client.log()}\nlistener:\n${listener.log()}`);
  expect(cc).toBe(0);
  expect(lc).toBe(0);
  expect(fileSize(upOut)).toBe(SIZE);
  expect(fileSize(downOut)).toBe(SIZE);
  expect(await sha256File(upOut)).toBe(await sha256File(upIn));
  expect(await sha256File(downOut)).toBe(await sha256File(downIn));
  // The kills happened mid-transfer and the client saw those subflows go down.
  expect(killed.length).toBeGreaterThan(0);
  const downs = client.log().match(/subflow down/g)?.length ?? 0;
  expect(downs).toBeGreaterThanOrEqual(killed.length);
  console.error(`destroyed mid-transfer: ${killed.join(", ")}`);
}, 600_000);
