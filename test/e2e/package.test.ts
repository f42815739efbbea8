/**
 * The published package works as users run it: `npm pack`, install the tarball into an empty project,
 * then `npx bondcat` (Node → bundled Bun) and `bunx bondcat` run the CLI.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bondcat-pkg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string[], cwd: string) => {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, npm_config_yes: "true" } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
};

describe("npm package", () => {
  test("npm pack → npm install → npx bondcat / bunx bondcat", () => {
    const pack = run(["npm", "pack", "--silent", "--pack-destination", dir], ROOT);
    expect(pack.code).toBe(0);
    const tgz = readdirSync(dir).find((f) => f.endsWith(".tgz"));
    expect(tgz).toBeDefined();
    const app = join(dir, "app");
    Bun.spawnSync(["mkdir", "-p", app]);
    expect(run(["npm", "init", "-y"], app).code).toBe(0);
    const inst = run(["npm", "install", "--no-audit", "--no-fund", join(dir, tgz!)], app);
    expect(inst.code).toBe(0);
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    const npx = run(["npx", "--no-install", "bondcat", "--version"], app);
    expect(npx.out.trim()).toBe(`bondcat ${version}`);
    const bunx = run([join(app, "node_modules", ".bin", "bunx"), "bondcat", "--version"], app);
    expect(bunx.out.trim()).toBe(`bondcat ${version}`);
    // Errors keep their exit codes through the Node launcher.
    const refused = run(["npx", "--no-install", "bondcat", "127.0.0.1:1"], app);
    expect(refused.code).toBe(3);
    expect(refused.out).toBe("");
  }, 120_000);
});
