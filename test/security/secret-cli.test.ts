/**
 * The secret on the command line: --secret-file, --gen-secret, and BONDCAT_SECRET kept from -e programs.
 */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { killAll, spawnCli, startListener } from "../helpers/cli.ts";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "bondcat-secret-"));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
afterEach(killAll);

describe("secret handling", () => {
  test("--gen-secret prints 32 random bytes as base64url, different each time", async () => {
    const a = spawnCli(["--gen-secret"], { stdout: "keep" });
    const b = spawnCli(["--gen-secret"], { stdout: "keep" });
    await a.expectExit(0);
    await b.expectExit(0);
    expect(a.stdoutText()).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    expect(a.stdoutText()).not.toBe(b.stdoutText());
  });

  test("--secret-file on one side matches --secret on the other; a wrong one is refused", async () => {
    const dir = tempDir();
    const file = join(dir, "secret");
    writeFileSync(file, "correct horse\n");
    const l = await startListener(["--secret-file", file], { stdout: "keep" });
    const c = spawnCli(["--secret", "correct horse", `127.0.0.1:${l.port}`], { stdin: "hi\n" });
    await c.expectExit(0);
    await l.cli.expectExit(0);
    expect(l.cli.stdoutText()).toBe("hi\n");

    const l2 = await startListener(["--secret-file", file]);
    const bad = spawnCli(["--secret", "correct horse!", `127.0.0.1:${l2.port}`], { stdin: "hi\n" });
    expect(await bad.exited).not.toBe(0);
    expect(bad.stderr).toMatch(/secret/);
  });

  test("--secret-file errors: missing or empty file, and combined with --secret (exit 2, nothing opened)", async () => {
    const dir = tempDir();
    const empty = join(dir, "empty");
    writeFileSync(empty, "\n");
    for (const args of [["--secret-file", join(dir, "nope")], ["--secret-file", empty], ["--secret-file", empty, "--secret", "x"]]) {
      const c = spawnCli(["-l", ...args]);
      await c.expectExit(2);
      expect(c.stderr).toMatch(/secret/);
    }
  });

  test("a program run by -e does not inherit BONDCAT_SECRET", async () => {
    const l = await startListener(["-e", "sh -c env"], { env: { BONDCAT_SECRET: "hush-hush-1234", MARKER_VAR: "visible" } });
    const c = spawnCli([`127.0.0.1:${l.port}`], { stdout: "keep", env: { BONDCAT_SECRET: "hush-hush-1234" } });
    await c.expectExit(0);
    const env = c.stdoutText();
    expect(env).toContain("MARKER_VAR=visible"); // the program's environment did come through
    expect(env).not.toContain("BONDCAT_SECRET");
    expect(env).not.toContain("hush-hush-1234");
  });
});
