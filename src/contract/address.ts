/**
 * Host and port text, the one place IPv6 brackets are added and removed.
 * URLs keep IPv6 hosts in brackets ("[::1]"); socket APIs want them bare ("::1"); printed
 * addresses put them back ("[::1]:9000").
 */

/** "[::1]" → "::1"; anything else unchanged. */
export function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** "::1" → "[::1]" (an IPv6 literal, as URLs and host:port text need it); anything else unchanged. */
export function bracket(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** "host:port" text, IPv6 in brackets; an IPv4-mapped IPv6 address ("::ffff:10.0.0.1") is shown as IPv4. */
export function formatAddr(address: string, port: number): string {
  const a = address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
  return `${bracket(a)}:${port}`;
}

/** Ports implied by a scheme when a URL gives none (WHATWG URLs elide them: port ""). */
export const DEFAULT_PORTS: Readonly<Record<string, number>> = { ws: 80, wss: 443 };

/** The URL's host ready for a socket API: "[::1]" → "::1". */
export function urlHost(url: URL): string {
  return unbracket(url.hostname);
}

/** The URL's numeric port, filling in the scheme's default (ws 80, wss 443). 0 when there is none. */
export function urlPort(url: URL): number {
  if (url.port !== "") return Number(url.port);
  return DEFAULT_PORTS[url.protocol.slice(0, -1)] ?? 0;
}
