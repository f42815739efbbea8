/**
 * Which dials one endpoint gets: its destination addresses × the local source addresses with a route of
 * their own to each.
 *
 * Destinations: a literal is itself; a name gives the first address of each family (IPv4 and IPv6 often
 * take different routes, and one family may fail while the other works), or every address with
 * `allAddresses`; `family` (-4/-6) keeps one family. Loopback destinations are dialed as they are.
 *
 * Sources (auto-detection): every local address of the destination's family is asked for its route to
 * the destination (what the kernel answers for `ip route get DST from SRC`, so policy rules and every
 * table count, not the subnet). A source is dialed from when its route (outgoing interface, gateway) is
 * not the route of a source already chosen; the kernel's own preferred source for the destination comes
 * first, then sources whose route leaves by their own interface. When only one route is found the dial
 * binds nothing (the OS chooses, as without auto-detection).
 */
import { isIP } from "node:net";
import { unbracket } from "../contract/address.ts";
import { addressesOf, isLoopback, type Source } from "./local-addresses.ts";
import { routeKey, type RouteLookup } from "./routes.ts";

/** One dial of an endpoint: the address to connect to (names only) and the source to bind. */
export interface Dial {
  address?: string;
  localAddress?: string;
  family?: 4 | 6;
}

export interface DialChoice {
  dials: Dial[];
  /** Why each address and source was chosen or skipped, for -v. */
  notes: string[];
}

export interface ChooseOptions {
  /** Pick a destination address per family (the transport connects to a given address). */
  perFamily: boolean;
  /** Fan out over local sources (auto-detection on and the transport binds a local address). */
  bindSources: boolean;
  sources: readonly Source[];
  routes: RouteLookup;
  family?: 4 | 6;
  allAddresses?: boolean;
  /** For tests: the resolver instead of the system's (getaddrinfo). */
  resolve?: (host: string, family?: 4 | 6) => Promise<Target[]>;
}

export interface Target {
  address: string;
  family: 4 | 6;
}

/** The destination addresses to dial: first of each family (or all), in resolver order. */
function pickTargets(host: string, addrs: Target[], o: ChooseOptions, notes: string[]): Target[] {
  const fams = new Set<number>();
  const chosen = addrs.filter((a) => {
    if (o.family !== undefined && a.family !== o.family) return false;
    if (o.allAddresses) return true;
    if (fams.has(a.family)) return false;
    fams.add(a.family);
    return true;
  });
  if (addrs.length > 1 || isIP(host) === 0) {
    const rest = addrs.length - chosen.length;
    const why = rest === 0 ? "" : ` (${rest} more skipped: ${o.family ? `-${o.family}, ` : ""}${o.allAddresses ? "" : "first of each family; --all-addresses for every one"})`;
    notes.push(`${host} → ${chosen.map((a) => a.address).join(", ") || "nothing"}${why}`);
  }
  return chosen;
}

/** The sources with distinct routes to `t`, preferred first; [] means "bind nothing". */
async function sourcesFor(t: Target, o: ChooseOptions, notes: string[]): Promise<string[]> {
  const mine = o.sources.filter((s) => s.family === t.family);
  if (mine.length < 2 || isLoopback(t.address)) return []; // one source: nothing to choose
  const [def, ...routes] = await Promise.all([o.routes(t.address), ...mine.map((s) => o.routes(t.address, s.address))]);
  const rank = (i: number): number => {
    const s = mine[i]!;
    if (def?.prefsrc === s.address) return 0;
    return routes[i]?.dev === s.iface ? 1 : 2;
  };
  const order = mine.map((_, i) => i).sort((x, y) => rank(x) - rank(y) || x - y);
  const taken = new Map<string, string>();
  for (const i of order) {
    const s = mine[i]!;
    const r = routes[i];
    if (!r) {
      notes.push(`${t.address}: source ${s.address} skipped: no route from it`);
      continue;
    }
    const key = routeKey(r, t.address);
    const other = taken.get(key);
    if (other !== undefined) {
      notes.push(`${t.address}: source ${s.address} skipped: same route (${key}) as ${other}`);
      continue;
    }
    taken.set(key, s.address);
    notes.push(`${t.address}: source ${s.address} (${key})`);
  }
  return taken.size > 1 ? [...taken.values()] : [];
}

export async function chooseDials(hostname: string, o: ChooseOptions): Promise<DialChoice> {
  const host = unbracket(hostname);
  const notes: string[] = [];
  if (!o.perFamily && !o.bindSources) return { dials: [{}], notes };
  if (host === "localhost" || isLoopback(host)) return { dials: [{}], notes };
  const addrs = await (o.resolve ?? addressesOf)(host, o.family);
  const named = isIP(host) === 0;
  const targets = addrs.length === 0 ? [] : o.perFamily || !named ? pickTargets(host, addrs, o, notes) : [addrs[0]!];
  if (targets.length === 0) return { dials: [{}], notes }; // unresolvable: the dial reports it
  const dials: Dial[] = [];
  for (const t of targets) {
    const base: Dial = named && o.perFamily ? { address: t.address, family: t.family } : named ? { family: t.family } : {};
    const via = o.bindSources ? await sourcesFor(t, o, notes) : [];
    if (via.length === 0) dials.push(base);
    for (const localAddress of via) dials.push({ ...base, localAddress });
  }
  return { dials, notes };
}
