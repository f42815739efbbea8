/**
 * Packaging: `npm run build` (bun build --compile) makes a standalone binary that works from a
 * directory with no node_modules and no Bun on PATH — including the stdin reader's Blob-URL worker
 * and bun:ffi (pipe enlarging), which a bundler could break.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Cli, killAll, pseudoRandom, ROOT, sha256, spawnCli } from "../helpers/cli.ts";

const npm = Bun.which("npm");
if (npm === null) console.log("skipping the build test: npm not installed");

let dir: string;
let exe: string;

/** No node_modules in the temp dir or any parent of it. */
function noNodeModulesAbove(d: string): boolean {
  for (let p = d; ; p = dirname(p)) {
    if (existsSync(join(p, "node_modules"))) return false;
    if (dirname(p) === p) return true;
  }
}

beforeAll(() => {
  if (npm === null) return;
  dir = mkdtempSync(join(tmpdir(), "bondcat-build-"));
  const r = Bun.spawnSync([npm, "run", "build"], {
    cwd: ROOT,
    env: { ...process.env, PATH: `${join(ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (r.exitCode !== 0) throw new Error(`npm run build failed (${r.exitCode}):\n${r.stdout}\n${r.stderr}`);
  exe = join(dir, "bondcat");
  copyFileSync(join(ROOT, "dist", "bondcat"), exe);
}, 120_000);

afterAll(async () => {
  await killAll();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(npm === null)("npm run build", () => {
  const run = (args: string[], o: Parameters<typeof spawnCli>[1] = {}): Cli =>
    spawnCli(args, { command: [exe], cwd: dir, env: { PATH: "/usr/bin:/bin", NODE_PATH: undefined, BUN_INSTALL: undefined }, ...o });

  test("the binary runs from a directory without node_modules", async () => {
    expect(noNodeModulesAbove(dir)).toBe(true);
    const v = run(["--version"], { stdout: "keep" });
    await v.expectExit(0);
    expect(v.stdoutText()).toMatch(/^bondcat \d+\.\d+\.\d+/);
  }, 30_000);

  test("listener + client transfer with the binary: 16 MiB over 3 subflows, sha256-identical", async () => {
    const input = pseudoRandom(16 << 20, 21);
    const inFile = join(dir, "in.bin");
    writeFileSync(inFile, input);
    const out = join(dir, "out.bin");
    const l = run(["-l", "-p", "0"], { stdout: { file: out } });
    const port = await l.waitForPort();
    const c = run(["-x", "3", `127.0.0.1:${port}`], { stdin: { file: inFile } });
    await c.expectExit(0);
    await l.expectExit(0);
    expect(sha256(await Bun.file(out).bytes())).toBe(sha256(input));
  }, 60_000);

  test("stdin from a pipe (worker + bun:ffi) and -e in the binary", async () => {
    const l = run(["-l", "-e", "sha256sum"]);
    const port = await l.waitForPort();
    const c = run([`127.0.0.1:${port}`], { stdin: "pipe", stdout: "keep" });
    const data = pseudoRandom(3 << 20, 22);
    await c.write(data);
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stdoutText()).toBe(`${sha256(data)}  -\n`);
  }, 60_000);
});
