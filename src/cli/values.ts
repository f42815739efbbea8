/**
 * Validators for single option values that are not numbers: certificate pins, proxy URLs, headers.
 * Each returns the normalised value or throws ConfigError (code "EINVALID_VALUE") naming the flag as
 * the user spelled it.
 */
import { ConfigError, quote } from "../contract/errors.ts";

function invalid(spelling: string, value: string, why: string): never {
  throw new ConfigError("EINVALID_VALUE", `invalid value ${quote(value)} for ${spelling}: ${why}`);
}

const PIN_RE = /^sha256:((?:[0-9a-f]{2}:?){31}[0-9a-f]{2})$/i;

/** "sha256:AB:CD:…" or "sha256:abcd…" (32 bytes) → "sha256:abcd…" (lower case, no colons). */
export function parsePin(spelling: string, value: string): string {
  const m = PIN_RE.exec(value.trim());
  if (m === null) invalid(spelling, value, "expected sha256: followed by 64 hex digits (colons allowed)");
  return `sha256:${(m[1] as string).replaceAll(":", "").toLowerCase()}`;
}

const PROXY_SCHEMES = new Set(["http:", "https:", "socks5:", "socks5h:"]);

/**
 * Proxy URL: "http://user:pass@proxy:3128", "socks5://127.0.0.1:1080", or bare "proxy:3128" (= http).
 * "none", "direct" or "" → null: never use a proxy, whatever *_PROXY says.
 */
export function parseProxy(spelling: string, value: string): string | null {
  const v = value.trim();
  if (v === "" || v === "none" || v === "direct") return null;
  const text = v.includes("://") ? v : `http://${v}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return invalid(spelling, value, "not a URL (expected e.g. http://proxy:3128 or socks5://host:1080)");
  }
  if (!PROXY_SCHEMES.has(url.protocol)) {
    invalid(spelling, value, `unsupported proxy scheme ${url.protocol} (http, https, socks5, socks5h)`);
  }
  if (url.hostname === "") invalid(spelling, value, "missing proxy host");
  if (url.protocol.startsWith("socks") && url.port === "") invalid(spelling, value, "missing port");
  return url.href;
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** "Name: value" → [name, value]; the name must be an HTTP token, the value one line. */
export function parseHeader(spelling: string, value: string): [string, string] {
  const colon = value.indexOf(":");
  if (colon < 0) invalid(spelling, value, "expected 'Name: value'");
  const name = value.slice(0, colon).trim();
  const val = value.slice(colon + 1).trim();
  if (!TOKEN_RE.test(name)) invalid(spelling, value, `${quote(name)} is not a valid header name`);
  if (/[\r\n\0]/.test(val)) invalid(spelling, value, "header values cannot contain line breaks or NUL");
  return [name, val];
}

/** Accumulate headers; a repeated name (case-insensitive) is joined with ", " as HTTP allows. */
export function addHeader(headers: Record<string, string>, name: string, value: string): void {
  const existing = Object.keys(headers).find((k) => k.toLowerCase() === name.toLowerCase());
  if (existing === undefined) headers[name] = value;
  else headers[existing] = `${headers[existing]}, ${value}`;
}
