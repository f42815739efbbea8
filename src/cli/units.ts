/**
 * Value parsers for the command line: durations, byte sizes, bounded integers, Go-style booleans.
 * Pure functions; they return `undefined` for text they cannot read, and the caller (args.ts) turns
 * that into a ConfigError naming the flag as the user spelled it.
 */

const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/gy;
const PLAIN_NUMBER = /^(?:\d+(?:\.\d+)?|\.\d+)$/;

/**
 * "10s", "500ms", "2m", "1h", "1m30s" (Go-style sequences), or plain seconds ("10", "0.5").
 * Returns whole milliseconds (rounded), or undefined when the text is not a duration.
 * Negative durations are not durations.
 */
export function parseDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === "") return undefined;
  if (PLAIN_NUMBER.test(s)) return Math.round(Number(s) * 1000);
  DURATION_PART.lastIndex = 0;
  let total = 0;
  let end = 0;
  for (let m = DURATION_PART.exec(s); m !== null; m = DURATION_PART.exec(s)) {
    const unit = DURATION_UNITS[m[2] as string] as number;
    total += Number(m[1]) * unit;
    end = DURATION_PART.lastIndex;
  }
  if (end !== s.length) return undefined;
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

const SIZE_RE = /^(\d+(?:\.\d+)?|\.\d+)\s*([kmg]?)(i?b)?$/i;
const SIZE_UNITS: Readonly<Record<string, number>> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/**
 * Byte sizes: "65536", "256k", "4M", "1G", with optional "B"/"iB" ("4MiB", "4MB", "256kb").
 * Units are binary (k = 1024). A plain number without a unit is bytes and must be whole.
 * Returns an integer number of bytes (fractions of a unit round down), or undefined.
 */
export function parseSize(text: string): number | undefined {
  const m = SIZE_RE.exec(text.trim());
  if (m === null) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  if (unit === "" && m[3] !== undefined && m[3].toLowerCase() === "ib") return undefined;
  const n = Number(m[1]);
  if (unit === "" && !Number.isInteger(n)) return undefined;
  const bytes = Math.floor(n * (SIZE_UNITS[unit] as number));
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** Human-readable binary size for messages and help: 262144 → "256KiB", 1000 → "1000B". */
export function formatSize(bytes: number): string {
  for (const [suffix, mult] of [["GiB", 1024 ** 3], ["MiB", 1024 ** 2], ["KiB", 1024]] as const) {
    if (bytes >= mult && bytes % mult === 0) return `${bytes / mult}${suffix}`;
  }
  return `${bytes}B`;
}

/** Human-readable duration: 1500 → "1.5s", 120000 → "2m", 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A decimal integer (optional leading "+"), or undefined. "4", "+4" ok; "4.0", "0x4", "4k" not. */
export function parseInteger(text: string): number | undefined {
  const s = text.trim();
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Booleans as Go's flag package reads them (strconv.ParseBool), so `-l=true`, `-a=0` keep working:
 * 1 t T TRUE true True / 0 f F FALSE false False.
 */
export function parseGoBool(text: string): boolean | undefined {
  switch (text) {
    case "1": case "t": case "T": case "TRUE": case "true": case "True":
      return true;
    case "0": case "f": case "F": case "FALSE": case "false": case "False":
      return false;
    default:
      return undefined;
  }
}

