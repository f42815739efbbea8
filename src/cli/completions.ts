/**
 * `bondcat --completions bash|zsh|fish`: a completion script made from the flag table (flags.ts), so
 * it offers exactly the flags the parser knows — their finite values (`choices`), file names for file
 * flags, and the transport schemes for endpoints. Install instructions: docs/USAGE.md.
 */
import { type FlagSpec, FLAGS, isFileFlag } from "./flags.ts";

export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

/** What an endpoint may start with (completed where an endpoint or URL is expected). */
export const SCHEMES = ["tcp://", "tls://", "ws://", "wss://"] as const;

const takesValue = (f: FlagSpec) => f.kind === "value" || f.kind === "list";
const isUrlFlag = (f: FlagSpec) => f.valueHint === "URL";

export function completionScript(shell: Shell): string {
  if (shell === "bash") return bash();
  if (shell === "zsh") return zsh();
  return fish();
}

function spellings(f: FlagSpec): string[] {
  return [...(f.short === undefined ? [] : [`-${f.short}`]), `--${f.name}`];
}

function bash(): string {
  const all = FLAGS.flatMap(spellings).join(" ");
  const cases: string[] = [];
  const group = (fs: FlagSpec[], body: string) => {
    const words = fs.flatMap((f) => [...spellings(f), `-${f.name}`]);
    if (words.length > 0) cases.push(`    ${words.join("|")})\n      ${body}\n      return ;;`);
  };
  for (const f of FLAGS.filter((x) => takesValue(x) && x.choices !== undefined)) {
    group([f], `COMPREPLY=($(compgen -W "${f.choices!.join(" ")}" -- "$cur"))`);
  }
  group(FLAGS.filter((f) => takesValue(f) && isFileFlag(f)), `COMPREPLY=($(compgen -f -- "$cur"))`);
  group(FLAGS.filter((f) => takesValue(f) && isUrlFlag(f)),
    `COMPREPLY=($(compgen -W "${SCHEMES.join(" ")}" -- "$cur")); compopt -o nospace 2>/dev/null || :`);
  group(FLAGS.filter((f) => takesValue(f) && f.choices === undefined && !isFileFlag(f) && !isUrlFlag(f)),
    "COMPREPLY=()");
  return `# bondcat completion for bash. Load it now:  source <(bondcat --completions bash)
# or install it:  bondcat --completions bash > ~/.local/share/bash-completion/completions/bondcat
_bondcat() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}"
  if [[ "$prev" == "=" && $COMP_CWORD -ge 2 ]]; then prev="\${COMP_WORDS[COMP_CWORD-2]}"; fi
  if [[ "$cur" == "=" ]]; then cur=""; fi
  case "$prev" in
${cases.join("\n")}
  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "${all}" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "${SCHEMES.join(" ")}" -- "$cur")); compopt -o nospace 2>/dev/null || :
  fi
}
complete -F _bondcat bondcat
`;
}

/** Text inside a zsh _arguments spec: brackets and colons are syntax there; quotes end the string. */
function zshText(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/'/g, "'\\''").replace(/([[\]:])/g, "\\$1");
}

function zshAction(f: FlagSpec): string {
  if (f.choices !== undefined) return `(${f.choices.join(" ")})`;
  if (isFileFlag(f)) return "_files";
  if (isUrlFlag(f)) return "_bondcat_endpoints";
  return " ";
}

function zsh(): string {
  const specs: string[] = [];
  for (const f of FLAGS) {
    const desc = `[${zshText(f.description)}]`;
    const hint = zshText(f.valueHint ?? "VALUE");
    const many = f.kind === "list" || f.kind === "count" || f.kind === "optional";
    const excl = many ? "*" : `(${spellings(f).join(" ")})`;
    if (f.short !== undefined) {
      const short = f.kind === "bool" || f.kind === "count" || f.shortIsBool ? `-${f.short}`
        : `-${f.short}+`;
      const arg = short.endsWith("+") ? `:${hint}:${zshAction(f)}` : "";
      specs.push(`'${excl}${short}${desc}${arg}'`);
    }
    if (f.kind === "bool" || f.kind === "count") specs.push(`'${excl}--${f.name}${desc}'`);
    else if (f.kind === "optional") specs.push(`'${excl}--${f.name}=-${desc}::${hint}:${zshAction(f)}'`);
    else specs.push(`'${excl}--${f.name}=${desc}:${hint}:${zshAction(f)}'`);
  }
  specs.push(`'*:endpoint:_bondcat_endpoints'`);
  return `#compdef bondcat
# bondcat completion for zsh. Install: bondcat --completions zsh > "\${fpath[1]}/_bondcat"
# (or any directory in $fpath), then restart zsh. Load it now: source <(bondcat --completions zsh)
_bondcat_endpoints() {
  compadd -S '' -- ${SCHEMES.join(" ")}
}
_bondcat() {
  _arguments -s -S \\
    ${specs.join(" \\\n    ")}
}
if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _bondcat "$@"
else
  compdef _bondcat bondcat
fi
`;
}

function fishText(s: string): string {
  return `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function fish(): string {
  const lines = ["complete -c bondcat -f"];
  for (const f of FLAGS) {
    const parts = ["complete -c bondcat", `-l ${f.name}`];
    if (f.short !== undefined) parts.push(`-s ${f.short}`);
    if (takesValue(f)) {
      // -x: takes a value, no file names; -r -F: takes a file name.
      if (isFileFlag(f)) parts.push("-r -F");
      else parts.push("-x");
      if (f.choices !== undefined) parts.push(`-a ${fishText(f.choices.join(" "))}`);
      else if (isUrlFlag(f)) parts.push(`-a ${fishText(SCHEMES.join(" "))}`);
    }
    parts.push(`-d ${fishText(f.description)}`);
    lines.push(parts.join(" "));
  }
  lines.push(`complete -c bondcat -n 'not string match -q -- "-*" (commandline -ct)' -a ${fishText(SCHEMES.join(" "))} -d 'endpoint'`);
  return `# bondcat completion for fish. Install:
#   bondcat --completions fish > ~/.config/fish/completions/bondcat.fish
${lines.join("\n")}
`;
}
