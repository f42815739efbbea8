/**
 * Local-address auto-detection (on by default; -a / --no-auto-detect turns it off), as the original
 * bondcat does: a multi-homed host dials a remote endpoint once from each of its usable addresses, so each
 * uplink (two ISPs, Wi-Fi + LTE, two NICs with source routing) carries its own subflows. No fan-out when
 * it cannot help: a host with one usable address of the endpoint's family (the common case), a loopback
 * endpoint, or an endpoint on a directly connected subnet (there is one right interface for it, and a
 * foreign source address would only make the path asymmetric).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";
import { unbracket } from "../contract/address.ts";

export interface Source {
  address: string;
  family: 4 | 6;
  iface: string;
  /** Prefix length of the interface's subnet (on-link check). */
  prefix?: number;
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
      const prefix = a.cidr ? Number(a.cidr.split("/")[1]) : undefined;
      out.push(prefix === undefined || Number.isNaN(prefix) ? { address: a.address, family, iface: name } : { address: a.address, family, iface: name, prefix });
    }
  }
  return out;
}

function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1";
}

/** The endpoint's addresses (the literal, or the name resolved once). */
async function addressesOf(host: string, only?: 4 | 6): Promise<{ address: string; family: 4 | 6 }[]> {
  const lit = isIP(host);
  if (lit === 4 || lit === 6) return [{ address: host, family: lit }];
  try {
    const addrs = await lookup(host, { all: true, family: only ?? 0 });
    return addrs.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch {
    return []; // unresolvable: let the dial report it
  }
}

/** An address as a bigint (IPv4: 32 bits, IPv6: 128 bits), for subnet checks. */
function toBits(address: string, family: 4 | 6): bigint {
  if (family === 4) return address.split(".").reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
  const [head = "", tail = ""] = address.split("%")[0]!.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = address.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(Number.parseInt(g || "0", 16)), 0n);
}

/** Whether `address` lies in the subnet of `source`. */
export function onLink(source: Source, address: string): boolean {
  if (source.prefix === undefined) return false;
  const bits = source.family === 4 ? 32 : 128;
  const shift = BigInt(bits - source.prefix);
  return toBits(source.address, source.family) >> shift === toBits(address, source.family) >> shift;
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
  const bare = unbracket(host);
  if (isLoopback(bare)) return [{}];
  const addrs = await addressesOf(bare, only);
  for (const fam of [4, 6] as const) {
    const dest = addrs.filter((a) => a.family === fam);
    if (dest.length === 0 || (only !== undefined && only !== fam)) continue;
    const mine = sources.filter((s) => s.family === fam);
    if (mine.some((s) => dest.some((d) => onLink(s, d.address)))) return [{}];
    if (mine.length >= 2) return mine.map((s) => ({ localAddress: s.address, family: fam }));
  }
  return [{}];
}
