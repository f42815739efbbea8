/**
 * argv → flag occurrences + positionals. Values are kept as text; args.ts interprets them.
 *
 * Why not citty's parser: it keeps only the last of a repeated flag (-H, --pin, --backup, --listen
 * must accumulate, -vv must count), it reads `--no-auto-detect` as "auto-detect = false" of a flag
 * that does not exist, it has no notion of Go's single-dash long flags or `-l=true`, and it ignores
 * unknown flags instead of rejecting them. citty still renders the help (help.ts).
 *
 * Rules:
 * - `-name` ≡ `--name` for every long flag; `=value` or the next argument carries a value.
 * - Short flags: `-x 4`, `-x=4`, `-x4` (attached value must start with a digit), bundles of switches
 *   (`-lkv`, `-vvv`).
 * - Flags and positionals may interleave; `--` ends flags.
 * - An unknown flag is an error with a "did you mean" hint. Tokenizing continues after an error so
 *   that `--help` anywhere still wins; the first error is reported.
 */
import { ConfigError, type ConfigErrorCode } from "../contract/errors.ts";
import { type FlagSpec, allSpellings, longFlag, shortFlag } from "./flags.ts";

export interface Occurrence {
  /** How the user wrote the flag, for messages: "-x", "--multiplier", "-multiplier". */
  readonly spelling: string;
  /** The value text; undefined for a switch given without one. */
  readonly value: string | undefined;
}

export interface Tokens {
  /** Occurrences by canonical flag name, in command-line order. */
  readonly flags: Map<string, Occurrence[]>;
  readonly positionals: string[];
  /** The first error met, if any. */
  readonly error: ConfigError | undefined;
}

export function tokenize(argv: readonly string[]): Tokens {
  const flags = new Map<string, Occurrence[]>();
  const positionals: string[] = [];
  let error: ConfigError | undefined;
  const add = (spec: FlagSpec, spelling: string, value: string | undefined): void => {
    const list = flags.get(spec.name);
    if (list === undefined) flags.set(spec.name, [{ spelling, value }]);
    else list.push({ spelling, value });
  };
  const fail = (code: ConfigErrorCode, message: string): void => {
    error ??= new ConfigError(code, message);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.length < 2 || !arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    const dashes = arg.startsWith("--") ? "--" : "-";
    const body = arg.slice(dashes.length);
    const eq = body.indexOf("=");
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    const spelling = dashes + name;
    const spec = name.length === 1 ? shortFlag(name) : longFlag(name);

    if (spec !== undefined) {
      const isShort = name.length === 1;
      if (inline !== undefined || spec.kind === "bool" || spec.kind === "count") {
        add(spec, spelling, inline);
      } else if (spec.kind === "optional") {
        const next = argv[i + 1];
        const takes = !(isShort && spec.shortIsBool === true) && next !== undefined && next !== "--" &&
          spec.takesNext !== undefined && spec.takesNext(next);
        add(spec, spelling, takes ? next : undefined);
        if (takes) i++;
      } else {
        const next = argv[i + 1];
        if (next === undefined) fail("EMISSING_VALUE", `option ${spelling} needs a value${hintFor(spec)}`);
        else add(spec, spelling, next);
        i++;
      }
      continue;
    }

    if (dashes === "-" && inline === undefined && readBundle(body, add)) continue;
    fail("EUNKNOWN_OPTION", unknownMessage(dashes, name));
  }
  return { flags, positionals, error };
}

function hintFor(spec: FlagSpec): string {
  return spec.valueHint === undefined ? "" : ` (${spec.valueHint})`;
}

/** `-lkv` (switches) or `-x4` / `-p9000` / `-i10s` (short flag + attached value). */
function readBundle(body: string, add: (spec: FlagSpec, spelling: string, value: string | undefined) => void): boolean {
  const chars = [...body];
  const specs = chars.map((c) => shortFlag(c));
  const isSwitch = (s: FlagSpec | undefined): s is FlagSpec =>
    s !== undefined && (s.kind === "bool" || s.kind === "count" || (s.kind === "optional" && s.shortIsBool === true));
  if (specs.every(isSwitch)) {
    specs.forEach((s, k) => add(s, `-${chars[k]}`, undefined));
    return true;
  }
  const first = specs[0];
  const rest = body.slice(1);
  if (first !== undefined && (first.kind === "value" || first.kind === "list") && /^\d/.test(rest)) {
    add(first, `-${body[0]}`, rest);
    return true;
  }
  return false;
}

function unknownMessage(dashes: string, name: string): string {
  const guess = suggest(name);
  const shown = `${dashes}${name}`;
  if (guess === undefined) return `unknown option ${shown} (see bondcat --help)`;
  const guessDashes = guess.length === 1 ? "-" : dashes;
  return `unknown option ${shown}; did you mean ${guessDashes}${guess}?`;
}

/** The closest flag spelling: small edit distance, or a unique prefix/extension match. */
export function suggest(name: string): string | undefined {
  if (name.length < 2) return undefined;
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  for (const cand of allSpellings()) {
    if (cand.length === 1) {
      if (lower === cand.toLowerCase() && name !== cand) return cand; // -h vs -H
      continue;
    }
    const d = editDistance(lower, cand);
    if (d < bestDist) {
      bestDist = d;
      best = cand;
    }
  }
  const limit = lower.length <= 4 ? 1 : 2;
  if (best !== undefined && bestDist <= limit) return best;
  const prefixed = allSpellings().filter((c) => c.length > 1 && (c.startsWith(lower) || lower.startsWith(c)));
  return lower.length >= 3 && prefixed.length === 1 ? prefixed[0] : undefined;
}

/** Damerau–Levenshtein (optimal string alignment): "lisetn" → "listen" is one edit. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] as number;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(rows - 1, cols - 1);
}
