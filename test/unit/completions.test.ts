/**
 * `bondcat --completions bash|zsh|fish`: every flag of the table is offered, finite values and file
 * names where they apply, and each script loads in its shell (skipped, with the reason, where the
 * shell is not installed).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SCHEMES, SHELLS, completionScript } from "../../src/cli/completions.ts";
import { FLAGS } from "../../src/cli/flags.ts";
import { parseArgs } from "../../src/cli/args.ts";

const has = (cmd: string) => Bun.spawnSync(["sh", "-c", `command -v ${cmd}`]).exitCode === 0;
const dir = mkdtempSync(join(tmpdir(), "bondcat-compl-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const scriptFile = (shell: string) => {
  const f = join(dir, `bondcat.${shell}`);
  writeFileSync(f, completionScript(shell as "bash"));
  return f;
};
const sh = (cmd: string[], cwd = dir) => {
  const r = Bun.spawnSync(cmd, { cwd, stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString() };
};

describe("completion scripts", () => {
  test.each(SHELLS.map((s) => [s]))("%s: every flag of the table is in the script", (shell) => {
    const text = completionScript(shell);
    for (const f of FLAGS) {
      expect(text).toContain(shell === "fish" ? `-l ${f.name}` : `--${f.name}`);
    }
    for (const scheme of SCHEMES) expect(text).toContain(scheme);
  });

  test("--completions is parsed and validated", () => {
    expect(parseArgs(["--completions", "zsh"], {})).toEqual({ kind: "completions", text: completionScript("zsh") });
    expect(() => parseArgs(["--completions", "tcsh"], {})).toThrow(/bash, zsh, fish/);
  });

  test.skipIf(!has("bash"))("bash: loads, completes flags, choices, files and schemes", () => {
    writeFileSync(join(dir, "cert.pem"), "");
    const probe = (words: string[]) => {
      const arr = words.map((w) => `'${w}'`).join(" ");
      const r = sh(["bash", "-c", `source '${scriptFile("bash")}' && complete -p bondcat && COMP_WORDS=(${arr}) && COMP_CWORD=${words.length - 1} && _bondcat && printf '%s\\n' "\${COMPREPLY[@]}"`]);
      expect(r).toMatchObject({ code: 0, err: "" });
      return r.out.trim().split("\n");
    };
    expect(probe(["bondcat", "--sched"])).toEqual(["complete -F _bondcat bondcat", "--scheduler"]);
    expect(probe(["bondcat", "--scheduler", ""]).slice(1)).toEqual(["default", "redundant"]);
    expect(probe(["bondcat", "--scheduler", "=", "r"]).slice(1)).toEqual(["redundant"]);
    expect(probe(["bondcat", "--cert", "ce"]).slice(1)).toEqual(["cert.pem"]);
    expect(probe(["bondcat", "w"]).slice(1)).toEqual(["ws://", "wss://"]);
  });

  test.skipIf(!has("zsh"))("zsh: passes zsh -n and registers with compinit", () => {
    const f = scriptFile("zsh");
    expect(sh(["zsh", "-n", f]).code).toBe(0);
    const r = sh(["zsh", "-fc", `autoload -U compinit && compinit -u -D && source '${f}' && print -r -- \${_comps[bondcat]}`]);
    expect(r.err).toBe("");
    expect(r.out.trim()).toBe("_bondcat");
  });

  test.skipIf(!has("fish"))("fish: passes fish -n and completes flags, choices and files", () => {
    const f = scriptFile("fish");
    expect(sh(["fish", "-n", f]).code).toBe(0);
    writeFileSync(join(dir, "secret.pem"), "");
    const complete = (line: string) =>
      sh(["fish", "-c", `source '${f}'; complete -C '${line}'`]).out.trim().split("\n").map((l) => l.split("\t")[0]);
    expect(complete("bondcat --sched")).toEqual(["--scheduler"]);
    expect(complete("bondcat --scheduler ")).toEqual(["default", "redundant"]);
    expect(complete("bondcat --key sec")).toEqual(["secret.pem"]);
  });
});

for (const [shell, why] of [["bash", "bash"], ["zsh", "zsh"], ["fish", "fish"]]) {
  if (!has(shell!)) console.log(`skipped: ${why} is not installed (completion script not loaded in it)`);
}
