/**
 * Issue 7, engine rows: hostile peers (raw frames after a real handshake, test/helpers/attacks.ts)
 * against a `-l -k -e cat --secret …` listener process, each beside a well-behaved session that pings
 * and a legitimate 64 MiB transfer through the same listener. Asserted: the listener's RSS stays
 * bounded (peak and once the attacker is gone), the pinging session keeps its subflow and hears its
 * pongs in a loose bound, and the transfer arrives sha256-identical. Tight figures: bench/hostile.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ATTACKS, type AttackName, runAttack } from "../helpers/attacks.ts";
import { killAll, ROOT, spawnCli, startListener } from "../helpers/cli.ts";
import { randomFile } from "../helpers/files.ts";
import { loadEngine } from "../helpers/hostile-peer.ts";

const MiB = 1 << 20;
const SECRET = "security-test-secret";
/** The listener's receive window and send buffer (the CLI defaults, spelled out). */
const WINDOW = 8 * MiB;
/**
 * Memory an attack may cost the listener: one window + 32 MiB held (measured 1 s after the attack),
 * and at the peak another 32 MiB for receive buffers not yet collected (Bun hands every socket read a
 * fresh buffer: hundreds of MiB of attack traffic leave tens of MiB for the GC).
 */
const SETTLED_BOUND = WINDOW + 32 * MiB;
const PEAK_BOUND = SETTLED_BOUND + 32 * MiB;
/**
 * Rows whose peak itself must stay within the bound (window + 32 MiB). The overlapping DATA
 * row is all duplicates: the listener collects what they leave behind every 8 MiB
 * (src/core/waste-collector.ts), measured +13…33 MiB at the peak (it was +46…58 before).
 */
const TIGHT_PEAK: Partial<Record<AttackName, number>> = { "overlapping 1 MiB DATA at offsets 1…400": SETTLED_BOUND };
/**
 * A loose bound on a pong's wait, counted until the listener answered again after the attack: the CI
 * machine has 2 cores shared by the listener, the attacker and often much else (load averages of 30–50
 * were seen), so only a real stall fails it — before issue 7 the FIN row blocked the listener for over
 * 45 s. The stall figures are in bench/hostile.ts.
 */
const PONG_BOUND_MS = 5000;

let dir: string;
let input: string;
let inputSha: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bondcat-security-"));
  input = join(dir, "legit.bin");
  inputSha = await randomFile(input, 64 * MiB);
});
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LISTEN = ["-k", "-p", "0", "-e", "cat", "--secret", SECRET, "--recv-window", "8M", "--send-buffer", "8M"];

/**
 * The attack twice on one listener: alone, for its memory (a legitimate transfer's own buffers would
 * blur the figure), then beside a legitimate 64 MiB transfer that must arrive intact.
 */
async function underAttack(name: AttackName) {
  const engine = await loadEngine(ROOT);
  const { cli, port } = await startListener(LISTEN);
  const target = { engine, port, secret: SECRET };
  const alone = await runAttack(name, target, cli.proc.pid, 60_000);
  const legit = spawnCli([`127.0.0.1:${port}`, "--secret", SECRET], { stdin: { file: input } });
  const beside = await runAttack(name, target, cli.proc.pid, 60_000, legit.exited);
  const code = await legit.exited;
  const mb = (n: number) => (n / MiB).toFixed(0);
  console.error(`${name}: RSS peak +${mb(alone.rssGrowth)} MiB, after +${mb(alone.rssAfter)} MiB; pong wait ≤ ${alone.maxStallMs.toFixed(0)} ms alone, ≤ ${beside.maxStallMs.toFixed(0)} ms beside a transfer; ${alone.note}`);
  expect(alone.rssGrowth).toBeLessThan(TIGHT_PEAK[name] ?? PEAK_BOUND);
  expect(alone.rssAfter).toBeLessThan(SETTLED_BOUND);
  for (const r of [alone, beside]) {
    expect(r.probeLost).toBe(false);
    expect(r.maxStallMs).toBeLessThan(PONG_BOUND_MS);
  }
  expect(code).toBe(0);
  expect(await legit.stdoutSha256()).toBe(inputSha);
  return alone;
}

describe("hostile peers against the engine (listener process, raw frames)", () => {
  for (const name of Object.keys(ATTACKS) as AttackName[]) {
    test(name, async () => {
      const r = await underAttack(name);
      if (name.startsWith("pre-auth")) {
        // Dropped after the handshake's bytes and a little: not hundreds of MiB.
        expect(r.note).toContain("the listener closed it");
        expect(Number.parseInt(r.note)).toBeLessThanOrEqual(16);
      }
    }, 120_000);
  }
});
