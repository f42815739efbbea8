/**
 * The published package works as users run it: `npm pack`, install the tarball into an empty project,
 * then `npx bondcat` (Node → bundled Bun) and `bunx bondcat` run the CLI; installed globally, it brings
 * its man page, which documents every flag `--help` lists.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bondcat-pkg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (cmd: string[], cwd: string, env: Record<string, string> = {}) => {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe", env: { ...process.env, npm_config_yes: "true", ...env } });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
};
const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;

let tgz = "";
beforeAll(() => {
  const pack = run(["npm", "pack", "--silent", "--pack-destination", dir], ROOT);
  expect(pack.code).toBe(0);
  tgz = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")) ?? "missing.tgz");
}, 120_000);

describe("npm package", () => {
  test("npm pack → npm install → npx bondcat / bunx bondcat", () => {
    expect(existsSync(tgz)).toBe(true);
    const app = join(dir, "app");
    Bun.spawnSync(["mkdir", "-p", app]);
    expect(run(["npm", "init", "-y"], app).code).toBe(0);
    const inst = run(["npm", "install", "--no-audit", "--no-fund", tgz], app);
    expect(inst.code).toBe(0);
    const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
    const npx = run(["npx", "--no-install", "bondcat", "--version"], app);
    expect(npx.out.trim()).toStartWith(`bondcat ${version} (bun `);
    const bunx = run([join(app, "node_modules", ".bin", "bunx"), "bondcat", "--version"], app);
    expect(bunx.out.trim()).toStartWith(`bondcat ${version} (bun `);
    // Errors keep their exit codes through the Node launcher.
    const refused = run(["npx", "--no-install", "bondcat", "127.0.0.1:1"], app);
    expect(refused.code).toBe(3);
    expect(refused.out).toBe("");
  }, 120_000);

  test.skipIf(!has("man"))("installed globally: `man bondcat` renders and documents every flag of --help", () => {
    const prefix = join(dir, "prefix");
    const inst = run(["npm", "install", "-g", "--prefix", prefix, "--no-audit", "--no-fund", tgz], dir);
    expect(inst.code).toBe(0);
    expect(existsSync(join(prefix, "share", "man", "man1", "bondcat.1"))).toBe(true);
    const man = run(["man", "-P", "cat", "bondcat"], dir, { MANPATH: join(prefix, "share", "man"), MANWIDTH: "100" });
    expect(man.code).toBe(0);
    const page = man.out.replace(/.\x08/g, ""); // overstrike bold/underline, where man uses it
    expect(page).toMatch(/^BONDCAT\(1\)/);
    for (const section of ["SYNOPSIS", "OPTIONS", "EXAMPLES", "ENVIRONMENT", "EXIT STATUS", "FILES"]) {
      expect(page).toContain(`\n${section}\n`);
    }
    const help = run([join(prefix, "bin", "bondcat"), "--help"], dir);
    expect(help.code).toBe(0);
    const helpFlags = new Set(help.out.match(/--[a-z0-9][a-z0-9-]*/g));
    expect(helpFlags.size).toBeGreaterThan(30);
    const missing = [...helpFlags].filter((f) => !page.includes(f));
    expect(missing).toEqual([]);
  }, 180_000);
});

if (!has("man")) console.log("skipped: man (man-db) is not installed, so the man page is not rendered");
