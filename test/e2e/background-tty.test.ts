/**
 * `bondcat -l -p P > f &` typed in an interactive shell: the background job must not read the terminal
 * (SIGTTIN would stop it and its client would wait forever); it sends nothing and finishes when the
 * peer does. The shell runs in a pseudo-terminal made by script(1); both ends must exit 0 within 3 s
 * of the last byte and the output must be identical.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, BUN, killAll, pseudoRandom, sha256, spawnCli } from "../helpers/cli.ts";

afterEach(killAll);

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const p = s.port;
  s.stop(true);
  return p;
}

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  for (const t = Date.now(); !ok(); await Bun.sleep(20)) {
    if (Date.now() - t > ms) throw new Error(`timed out waiting for ${what}`);
  }
}

describe("a listener in the background of an interactive shell", () => {
  test.skipIf(!has("script") || !has("bash"))("bondcat -l -p P > f & receives 10 MB; both exit 0 within 3 s", async () => {
    const dir = mkdtempSync(join(tmpdir(), "bondcat-bg-"));
    const shell = Bun.spawn(["script", "-qfec", "bash --norc --noprofile -i", "/dev/null"], {
      stdin: "pipe", stdout: "pipe", stderr: "pipe", cwd: dir,
    });
    try {
      const port = await freePort();
      const out = join(dir, "f");
      const rcFile = join(dir, "rc");
      let screen = "";
      const reading = (async () => {
        for await (const c of shell.stdout) screen += new TextDecoder().decode(c);
      })();
      const type = (line: string) => { shell.stdin.write(`${line}\n`); shell.stdin.flush(); };
      // As typed: a background job, then `wait` for it in the same shell to learn its exit code.
      type(`${q(BUN)} ${q(BIN)} -l -p ${port} > ${q(out)} &`);
      type(`wait $!; echo $? > ${q(rcFile)}.tmp; mv ${q(rcFile)}.tmp ${q(rcFile)}`);
      await until("the listener", () => Bun.spawnSync(["ss", "-ltnH", `( sport = :${port} )`]).stdout.toString().trim() !== "");
      const data = pseudoRandom(10_000_000, 13);
      const c = spawnCli([`127.0.0.1:${port}`], { stdin: data, stdout: "ignore" });
      await c.expectExit(0);
      const lastByte = Date.now();
      await until("the listener's exit code", () => existsSync(rcFile), 10_000).catch(() => {});
      const stopped = Bun.spawnSync(["sh", "-c", `ps -o stat=,args= -e | grep -F -- '-p ${port}' | grep -v grep`]).stdout.toString();
      expect({ stopped, rc: existsSync(rcFile) ? readFileSync(rcFile, "utf8").trim() : "none" }).toEqual({ stopped: "", rc: "0" });
      expect(Date.now() - lastByte).toBeLessThan(3000);
      expect(sha256(readFileSync(out))).toBe(sha256(data));
      type("exit");
      shell.stdin.end();
      await Promise.race([shell.exited, Bun.sleep(5000)]);
      await Promise.race([reading, Bun.sleep(1000)]);
    } finally {
      shell.kill("SIGKILL");
      Bun.spawnSync(["pkill", "-KILL", "-f", `${dir}`]);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
