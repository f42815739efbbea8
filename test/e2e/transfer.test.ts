/**
 * The netcat job end to end: two bondcat processes on 127.0.0.1, sha256 of what came out.
 * Acceptance of issue 2: 256 MiB over 4 subflows, one subflow's socket destroyed mid-transfer,
 * both directions at once, a listener whose stdin is at EOF, half-close, exit codes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, spawnCli, startListener, waitFor } from "../helpers/cli.ts";
import { fileSize, randomFile, sha256File } from "../helpers/files.ts";
import { canKillSockets, clientPorts, ssKill } from "../helpers/sockets.ts";

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
afterEach(killAll);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("bondcat CLI end to end", () => {
  test("256 MiB through 4 subflows arrives identical; listener stdin at EOF; both exit 0", async () => {
    const { cli: l, port } = await startListener([]);
    const c = spawnCli(["-x", "4", `127.0.0.1:${port}`], { stdin: { file: big }, stdout: "ignore" });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(await l.stdoutSha256()).toBe(bigSha);
  }, 120_000);

  test.skipIf(!canKillSockets)("one subflow's socket destroyed mid-transfer (ss -K): nothing lost", async () => {
    const { cli: l, port } = await startListener(["-v"]);
    const c = spawnCli(["-v", "-x", "4", `127.0.0.1:${port}`], { stdin: "pipe", stdout: "ignore" });
    const input = await Bun.file(big).bytes();
    await c.write(input.subarray(0, 96 * MiB));
    await waitFor(() => l.stdoutBytes > 32 * MiB, 60_000, "32 MiB through");
    await waitFor(() => clientPorts(port).length === 4, 10_000, "4 subflows");
    expect(ssKill(port, clientPorts(port)[1]!)).toBe(true);
    await c.write(input.subarray(96 * MiB));
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(await l.stdoutSha256()).toBe(bigSha);
    expect(c.stderr).toContain("subflow down");
  }, 120_000);

  test("both directions at once: 256 MiB up, 64 MiB down", async () => {
    const up = join(dir, "up.bin");
    const { cli: l, port } = await startListener([], { stdin: { file: mid }, stdout: { file: up } });
    const c = spawnCli(["-x", "4", `127.0.0.1:${port}`], { stdin: { file: big } });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(await sha256File(up)).toBe(bigSha);
    expect(fileSize(up)).toBe(256 * MiB);
    expect(await c.stdoutSha256()).toBe(midSha);
  }, 120_000);

  test("half-close: the client's EOF does not cut the listener's reply", async () => {
    const { cli: l, port } = await startListener([], { stdin: "pipe", stdout: "keep" });
    const c = spawnCli(["-x", "2", `127.0.0.1:${port}`], { stdin: "pipe", stdout: "keep" });
    await c.write("hello");
    await c.endInput();
    // The listener gets "hello" (and the client's EOF) while its own input stays open.
    await waitFor(() => l.stdoutBytes >= 5, 20_000, "hello at the listener");
    expect(l.stdoutText()).toBe("hello");
    expect(await l.exitedWithin(200)).toBeNull();
    expect(await c.exitedWithin(0)).toBeNull();
    await l.write("reply after your EOF");
    await l.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stdoutText()).toBe("reply after your EOF");
  }, 60_000);

  test("exit codes: refused → 3, bad usage → 2, port in use → 4", async () => {
    const { port } = await startListener([], { stdin: "pipe" });
    const refused = spawnCli(["127.0.0.1:1"]);
    await refused.expectExit(3);
    expect(refused.stderr).toMatch(/refused/i);
    await spawnCli(["--frobnicate"]).expectExit(2);
    const inUse = spawnCli(["-l", "-p", String(port)]);
    await inUse.expectExit(4);
    expect(inUse.stderr).toMatch(/in use/i);
  }, 60_000);
});
