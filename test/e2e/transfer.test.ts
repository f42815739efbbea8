/**
 * The netcat job end to end: two bondcat processes on 127.0.0.1, sha256 of what came out.
 * Acceptance of issue 2: 256 MiB over 4 subflows, one subflow's socket destroyed mid-transfer,
 * both directions at once, a listener whose stdin is at EOF, half-close, exit codes.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bondcat, canKillSockets, clientPorts, listener, randomFile, sha256File, ssKill, waitUntil } from "../helpers/proc.ts";

const MiB = 1 << 20;
let dir: string;
let big: string;
let bigSha: string;
let mid: string;
let midSha: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "bondcat-e2e-"));
  big = join(dir, "big.bin");
  bigSha = await randomFile(big, 256 * MiB);
  mid = join(dir, "mid.bin");
  midSha = await randomFile(mid, 64 * MiB);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const size = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

describe("bondcat CLI end to end", () => {
  test("256 MiB through 4 subflows arrives identical; listener stdin at EOF; both exit 0", async () => {
    const out = join(dir, "out1.bin");
    const l = await listener([], { stdin: null, stdout: out });
    const c = bondcat(["-x", "4", `127.0.0.1:${l.port}`], { stdin: Bun.file(big) });
    expect(await c.exited).toBe(0);
    expect(await l.exited).toBe(0);
    expect(await sha256File(out)).toBe(bigSha);
  }, 120_000);

  test.skipIf(!canKillSockets)("one subflow's socket destroyed mid-transfer (ss -K): nothing lost", async () => {
    const out = join(dir, "out2.bin");
    const l = await listener(["-v"], { stdin: null, stdout: out });
    const c = bondcat(["-v", "-x", "4", `127.0.0.1:${l.port}`], { stdin: "pipe" });
    const input = await Bun.file(big).bytes();
    const sink = c.proc.stdin as import("bun").FileSink;
    sink.write(input.subarray(0, 96 * MiB));
    await sink.flush();
    await waitUntil(() => size(out) > 32 * MiB, 60_000, "32 MiB through");
    await waitUntil(() => clientPorts(l.port).length === 4, 10_000, "4 subflows");
    const victim = clientPorts(l.port)[1]!;
    expect(ssKill(l.port, victim)).toBe(true);
    sink.write(input.subarray(96 * MiB));
    await sink.end();
    expect(await c.exited).toBe(0);
    expect(await l.exited).toBe(0);
    expect(await sha256File(out)).toBe(bigSha);
    expect(c.stderr()).toContain("subflow down");
  }, 120_000);

  test("both directions at once: 256 MiB up, 64 MiB down", async () => {
    const up = join(dir, "up.bin");
    const down = join(dir, "down.bin");
    const l = await listener([], { stdin: Bun.file(mid), stdout: up });
    const c = bondcat(["-x", "4", `127.0.0.1:${l.port}`], { stdin: Bun.file(big), stdout: down });
    expect(await c.exited).toBe(0);
    expect(await l.exited).toBe(0);
    expect(await sha256File(up)).toBe(bigSha);
    expect(await sha256File(down)).toBe(midSha);
  }, 120_000);

  test("half-close: the client's EOF does not cut the listener's reply", async () => {
    const l = await listener([], { stdin: "pipe", stdout: "pipe" });
    const lin = l.proc.stdin as import("bun").FileSink;
    const c = bondcat(["-x", "2", `127.0.0.1:${l.port}`], { stdin: "pipe", stdout: "pipe" });
    const cin = c.proc.stdin as import("bun").FileSink;
    cin.write("hello");
    await cin.end();
    // The listener gets "hello" (and the client's EOF) while its own input stays open.
    const reader = (l.proc.stdout as ReadableStream<Uint8Array>).getReader();
    let heard = "";
    while (heard.length < 5) {
      const r = await reader.read();
      if (r.done) break;
      heard += new TextDecoder().decode(r.value);
    }
    expect(heard).toBe("hello");
    await Bun.sleep(200);
    expect(l.proc.exitCode).toBeNull();
    expect(c.proc.exitCode).toBeNull();
    lin.write("reply after your EOF");
    await lin.end();
    expect(await new Response(c.proc.stdout as ReadableStream).text()).toBe("reply after your EOF");
    expect(await c.exited).toBe(0);
    expect(await l.exited).toBe(0);
  }, 60_000);

  test("exit codes: refused → 3, bad usage → 2, port in use → 4", async () => {
    const l = await listener([], { stdin: "pipe" });
    const refused = bondcat(["127.0.0.1:1"]);
    expect(await refused.exited).toBe(3);
    expect(refused.stderr()).toMatch(/refused/i);
    const usage = bondcat(["--frobnicate"]);
    expect(await usage.exited).toBe(2);
    const inUse = bondcat(["-l", "-p", String(l.port)]);
    expect(await inUse.exited).toBe(4);
    expect(inUse.stderr()).toMatch(/in use/i);
    l.proc.kill();
    await l.exited;
  }, 60_000);
});
