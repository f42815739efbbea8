/**
 * The local side of auto-detection (on by default; -a / --no-auto-detect turns it off): the host's usable
 * source addresses, and an endpoint's addresses. Which of them are dialed from is choose-dials.ts's job
 * (one dial per distinct route, as the kernel routes it).
 */
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { networkInterfaces, type NetworkInterfaceInfo } from "node:os";

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

/** A loopback host: localhost, 127.0.0.0/8, ::1 (dialed as it is, never from other sources). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host.startsWith("127.") || host === "::1" || host === "::ffff:127.0.0.1";
}

/** The endpoint's addresses (the literal, or the name resolved once). */
export async function addressesOf(host: string, only?: 4 | 6): Promise<{ address: string; family: 4 | 6 }[]> {
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
