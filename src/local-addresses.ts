/**
 * Local-address auto-detection (on by default; -a / --no-auto-detect turns it off), as the original
 * bondcat does: a multi-homed host dials every endpoint once from each of its usable addresses, so each
 * network path (two ISPs, Wi-Fi + LTE, two NICs) carries its own subflows. A host with one usable address
 * of the endpoint's family — the common case — dials as usual, and loopback endpoints are never fanned out.
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

export interface Source {
  address: string;
  family: 4 | 6;
  iface: string;
}

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/** Usable source addresses: not loopback/internal, not IPv6 link-local (those need a scope to dial). */
export function localSources(ifaces: Interfaces = networkInterfaces()): Source[] {
  const out: Source[] = [];
  const seen = new Set<string>();
  for (const [name, list] of Object.entries(ifaces)) {
    for (const a of list ?? []) {
      if (a.internal) continue;
      const family = a.family === "IPv4" || (a.family as unknown) === 4 ? 4 : 6;
      if (family === 6 && /^fe[89ab]/i.test(a.address)) continue;
      if (seen.has(a.address)) continue;
      seen.add(a.address);
      out.push({ address: a.address, family, iface: name });
    }
  }
  return out;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1";
}

/** Address families the endpoint's host can be reached on (literal, or by resolving the name once). */
async function familiesOf(host: string, only?: 4 | 6): Promise<Set<4 | 6>> {
  const lit = isIP(host);
  if (lit === 4 || lit === 6) return new Set([lit]);
  try {
    const addrs = await lookup(host, { all: true, family: only ?? 0 });
    return new Set(addrs.map((a) => (a.family === 6 ? 6 : 4)));
  } catch {
    return new Set(); // unresolvable: let the dial report it
  }
}

/**
 * The source addresses to dial `host` from: `[undefined]` (let the OS choose) unless the host is reachable
 * from two or more local addresses of one family. `family` is then set so the name resolves to that family.
 */
export async function sourcesFor(
  host: string,
  sources: readonly Source[],
  only?: 4 | 6,
): Promise<{ localAddress?: string; family?: 4 | 6 }[]> {
  const bare = host.startsWith("[") ? host.slice(1, -1) : host;
  if (isLoopback(bare)) return [{}];
  const fams = await familiesOf(bare, only);
  for (const fam of [4, 6] as const) {
    if (!fams.has(fam) || (only !== undefined && only !== fam)) continue;
    const mine = sources.filter((s) => s.family === fam);
    if (mine.length >= 2) return mine.map((s) => ({ localAddress: s.address, family: fam }));
  }
  return [{}];
}
