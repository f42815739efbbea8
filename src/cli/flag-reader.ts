/** Typed, validated access to tokenized flags (tokenize.ts): the value parsers args.ts builds a Config with. */
import { ConfigError, type ConfigErrorCode, quote } from "../contract/errors.ts";
import type { Occurrence } from "./tokenize.ts";
import { formatDuration, formatSize, parseDuration, parseGoBool, parseInteger, parseSize } from "./units.ts";

export function bad(code: ConfigErrorCode, message: string): never {
  throw new ConfigError(code, message);
}

export function invalid(o: Occurrence, why: string): never {
  return bad("EINVALID_VALUE", `invalid value ${quote(o.value ?? "")} for ${o.spelling}: ${why}`);
}

/** Typed access to the tokenized flags. */
export class Flags {
  constructor(private readonly map: Map<string, Occurrence[]>) {}

  all(name: string): Occurrence[] {
    return this.map.get(name) ?? [];
  }

  last(name: string): Occurrence | undefined {
    return this.all(name).at(-1);
  }

  /** A switch: the last occurrence decides; `=BOOL` in Go's spellings. */
  bool(name: string): boolean {
    const o = this.last(name);
    if (o === undefined) return false;
    if (o.value === undefined) return true;
    return parseGoBool(o.value) ?? invalid(o, "expected true or false");
  }

  /** A counter: each bare occurrence adds one; `=N` sets N; `=false` resets. */
  count(name: string): number {
    let n = 0;
    for (const o of this.all(name)) {
      if (o.value === undefined) n++;
      else {
        const b = parseGoBool(o.value);
        const v = b === undefined ? parseInteger(o.value) : b ? n + 1 : 0;
        if (v === undefined || v < 0) invalid(o, "expected a count or true/false");
        n = v;
      }
    }
    return n;
  }

  int(name: string, [min, max]: readonly [number, number]): number | undefined {
    const o = this.last(name);
    if (o === undefined) return undefined;
    const n = parseInteger(o.value ?? "");
    if (n === undefined || n < min || n > max) invalid(o, `expected an integer ${min}-${max}`);
    return n;
  }

  size(name: string, fallback: number, [min, max]: readonly [number, number]): number {
    const o = this.last(name);
    if (o === undefined) return fallback;
    const n = parseSize(o.value ?? "");
    if (n === undefined) invalid(o, "expected a size such as 65536, 256k, 4M");
    if (n < min || n > max) invalid(o, `must be ${formatSize(min)}-${formatSize(max)}`);
    return n;
  }

  duration(o: Occurrence, [min, max]: readonly [number, number]): number {
    const ms = parseDuration(o.value ?? "");
    if (ms === undefined) invalid(o, "expected a duration such as 500ms, 10s, 2m, or seconds");
    if (ms < min || ms > max) invalid(o, `must be ${formatDuration(min)}-${formatDuration(max)}`);
    return ms;
  }

  string(name: string): string | undefined {
    return this.last(name)?.value;
  }

  spelling(name: string): string | undefined {
    return this.last(name)?.spelling;
  }
}
