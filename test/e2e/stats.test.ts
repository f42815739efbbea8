/**
 * --stats / --stats-json and the progress line, end to end. Terminal behaviour runs under script(1),
 * which gives the process a pseudo-terminal; skipped (with a reason) where script is missing.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, BUN, killAll, spawnCli, startListener } from "../helpers/cli.ts";

afterEach(killAll);

const haveScript = Bun.which("script") !== null;
if (!haveScript) console.log("skipping the terminal tests: script(1) (util-linux) not installed");

describe("--stats", () => {
  test("--stats 200ms: a per-subflow table on stderr, block after block when not a terminal", async () => {
    const { cli: l, port } = await startListener([]);
    const c = spawnCli(["--stats", "200ms", "-x", "2", `127.0.0.1:${port}`], { stdin: "pipe" });
    await c.write("some data\n");
    await c.waitForStderr(/(ID\s+TRANSPORT\s+LOCAL → REMOTE[^]*){2}/);
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    expect(c.stderr).toMatch(/^session [0-9a-f]{8}\s+open\s+up [\d.]+s\s+TX .* RX .* reinjected .* 2 subflows$/m);
    const rows = c.stderr.match(/^\s+\d+\s+tcp\s+127\.0\.0\.1:\d+ → 127\.0\.0\.1:\d+\s+up\s+[\d.]+ \S+\/s\s+[\d.]+ \S+\/s\s+(-|[\d.]+ ms)\s+[\d.]+ \S+$/gm);
    expect(rows?.length ?? 0).toBeGreaterThanOrEqual(4);
    expect(c.stderr).not.toContain("\x1b["); // no cursor movement off a terminal
    expect(l.stderr).not.toContain("TRANSPORT"); // only where asked
  }, 60_000);

  test("--stats-json: one JSON object per session per interval", async () => {
    const { cli: l, port } = await startListener(["--stats-json", "--stats", "200ms"]);
    const c = spawnCli(["-x", "3", `127.0.0.1:${port}`], { stdin: "pipe" });
    await c.write("x".repeat(100_000));
    await l.waitForStderr(/(^\{.*\}$[^]*){2}/m);
    await c.endInput();
    await c.expectExit(0);
    await l.expectExit(0);
    const objects = l.stderr.split("\n").filter((s) => s.startsWith("{")).map((s) => JSON.parse(s));
    expect(objects.length).toBeGreaterThanOrEqual(2);
    const last = objects.at(-1);
    expect(typeof last.time).toBe("string");
    expect(last.session).toMatch(/^[0-9a-f]+$/);
    expect(last.bytesReceived).toBe(100_000);
    expect(last.subflows).toHaveLength(3);
    for (const f of last.subflows) {
      expect(f).toMatchObject({ transport: "tcp", state: "up" });
      expect(typeof f.txBps).toBe("number");
      expect(typeof f.rxBps).toBe("number");
      expect(typeof f.reinjectedBytes).toBe("number");
      expect(f.local).toMatch(/:\d+$/);
    }
  }, 60_000);
});

describe.skipIf(!haveScript)("on a terminal", () => {
  /** Run a shell command line under script(1): stdin, stdout and stderr on a pseudo-terminal (unless redirected). */
  function underTerminal(shellLine: string) {
    return spawnCli(["-qfec", shellLine, "/dev/null"], { command: ["script"], stdout: "keep" });
  }
  const bondcat = `${BUN} ${BIN}`;

  test("--stats redraws the table in place", async () => {
    const { cli: l, port } = await startListener([]);
    const t = underTerminal(`(echo a; sleep 1.5; echo b) | ${bondcat} --stats 200ms 127.0.0.1:${port}`);
    await t.expectExit(0);
    await l.expectExit(0);
    const out = t.stdoutText();
    expect(out).toContain("TRANSPORT");
    expect(out).toMatch(/\x1b\[\d+F\x1b\[J/); // back to the table's first line, clear, draw again
  }, 60_000);

  test("a progress line for a transfer (file on one side), cleared at the end", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bondcat-stats-"));
    try {
      const { cli: l, port } = await startListener([]);
      const t = underTerminal(`(echo a; sleep 2.5; echo b) | ${bondcat} 127.0.0.1:${port} > ${join(dir, "out")}`);
      await t.expectExit(0);
      await l.expectExit(0);
      const out = t.stdoutText();
      expect(out).toMatch(/\r\x1b\[2K↑ [\d.]+ \S+ [\d.]+ \S+\/s\s+↓ /);
      expect(out.trimEnd().endsWith("\r\x1b[2K")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test("no progress line when stdin and stdout are both pipes (ssh ProxyCommand style)", async () => {
    const { cli: l, port } = await startListener([]);
    const t = underTerminal(`(echo a; sleep 2.5; echo b) | ${bondcat} 127.0.0.1:${port} | cat > /dev/null`);
    await t.expectExit(0);
    await l.expectExit(0);
    expect(t.stdoutText()).not.toContain("↑");
  }, 60_000);
});
