/**
 * Endpoint text ⇄ URL.
 *
 * Accepted forms (the scheme is lower-cased; host names are lower-cased):
 *   host:port            bare = `defaultScheme` (tcp)      example.com:9000, 10.0.0.1:9000
 *   [v6]:port            IPv6 literal, brackets required   [2001:db8::1]:9000
 *   scheme://host:port   tcp://… tls://…
 *   scheme://host:port/path?query   ws://h:8080/bond, wss://h:9443/bond
 * ws/wss may omit the port (80/443, as browsers do; WHATWG URLs then report port "").
 * Every other scheme needs an explicit port. tcp/tls take no path or query.
 * Whether a scheme has a transport is checked later, against the registry.
 *
 * Listen addresses (`{ listen: true }`) additionally accept port 0 (pick a free port), an empty host
 * (":9000", "tcp://:9000" → the wildcard address) and a bare port ("9000").
 */
import { bracket, DEFAULT_PORTS } from "../contract/address.ts";
import { ConfigError, quote } from "../contract/errors.ts";

export interface EndpointParseOptions {
  /** Parse a listen address: allow port 0, empty host and a bare port. */
  listen?: boolean;
  /** Host used for an empty listen host. Default "[::]" (dual-stack); "0.0.0.0" for IPv4 only. */
  wildcard?: string;
}

/** Schemes whose endpoints are a bare host:port — a path or query there is a mistake. */
const NO_PATH_SCHEMES = new Set(["tcp", "tls"]);
const SCHEME_RE = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s;

function fail(text: string, why: string): never {
  throw new ConfigError("EENDPOINT", `invalid endpoint ${quote(text)}: ${why}`);
}

/** Parse endpoint text into a URL; throws ConfigError (code "EENDPOINT") with a one-line reason. */
export function parseEndpoint(text: string, defaultScheme = "tcp", opts: EndpointParseOptions = {}): URL {
  const input = text.trim();
  if (input === "") throw new ConfigError("EENDPOINT", "invalid endpoint '': empty");
  const listen = opts.listen === true;
  const wildcard = opts.wildcard ?? "[::]";

  let scheme = defaultScheme.toLowerCase();
  let rest = input;
  const sm = SCHEME_RE.exec(input);
  if (sm !== null) {
    scheme = (sm[1] as string).toLowerCase();
    rest = sm[2] as string;
  } else if (input.includes("://")) {
    fail(input, "bad scheme (expected e.g. tcp://, tls://, ws://, wss://)");
  }
  if (listen && /^\d+$/.test(rest)) rest = `:${rest}`;

  const cut = rest.search(/[/?#]/);
  const authority = cut < 0 ? rest : rest.slice(0, cut);
  const tail = cut < 0 ? "" : rest.slice(cut);
  if (authority.includes("@")) fail(input, "credentials in endpoints are not supported");

  let host: string;
  let portText: string;
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) fail(input, "missing ']' after IPv6 address");
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) fail(input, `unexpected ${quote(after)} after ']'`);
    portText = after.slice(1);
    if (host.includes("%")) fail(input, "IPv6 zone ids (%eth0) are not supported; bind with a local address instead");
    if (!host.includes(":")) fail(input, `${quote(host)} in brackets is not an IPv6 address`);
    host = bracket(host);
  } else {
    const colons = authority.split(":").length - 1;
    if (colons > 1) fail(input, "an IPv6 address needs brackets, e.g. [2001:db8::1]:9000");
    const colon = authority.indexOf(":");
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? "" : authority.slice(colon + 1);
  }

  if (host === "") {
    if (!listen) fail(input, "missing host");
    host = wildcard;
  }

  let port: number | undefined;
  if (portText === "") {
    port = DEFAULT_PORTS[scheme];
    if (port === undefined) fail(input, `missing port (expected ${sm === null ? "" : `${scheme}://`}host:port)`);
  } else {
    if (!/^\d+$/.test(portText)) fail(input, `port ${quote(portText)} is not a number`);
    port = Number(portText);
    if (port > 65535) fail(input, `port ${port} is out of range (1-65535)`);
    if (port === 0 && !listen) fail(input, "port 0 is only valid for listening");
  }

  if (NO_PATH_SCHEMES.has(scheme) && tail !== "" && tail !== "/") {
    fail(input, `${scheme} endpoints take no path or query`);
  }

  const href = `${scheme}://${host.toLowerCase()}${portText === "" ? "" : `:${port}`}${tail === "/" && NO_PATH_SCHEMES.has(scheme) ? "" : tail}`;
  try {
    return new URL(href);
  } catch {
    return fail(input, `${quote(host)} is not a valid host name or address`);
  }
}

/** Canonical text for logs and round-trips: "tcp://10.0.0.1:9000", "wss://h.example/bond". */
export function formatEndpoint(url: URL): string {
  const path = url.pathname === "/" || url.pathname === "" ? "" : url.pathname;
  return `${url.protocol}//${url.host}${path}${url.search}`;
}
