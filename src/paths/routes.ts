/**
 * Route lookups for auto-detection: which interface and gateway a packet to `dst` leaves by when sent
 * from `src` — the kernel's answer, policy rules (`ip rule from SRC lookup T`) and every table included.
 * On Linux that is `ip -j route get DST from SRC` (iproute2); elsewhere, or without iproute2, the
 * subnets of the local addresses stand in (subnetRoutes). Tests pass a fake.
 */
import { isIP } from "node:net";
import type { Source } from "./local-addresses.ts";
import { onLink } from "./local-addresses.ts";

export interface Route {
  /** Outgoing interface. */
  dev: string;
  /** Next hop; absent when the destination is on-link. */
  gateway?: string;
  /** The source address the kernel would pick (lookups without `src`). */
  prefsrc?: string;
}

/** The route to `dst` (from `src` if given), or null when there is none (unreachable, prohibited). */
export type RouteLookup = (dst: string, src?: string) => Promise<Route | null>;

/** What makes two routes one: outgoing interface and next hop (a gateway equal to the destination is on-link). */
export function routeKey(r: Route, dst: string): string {
  return `${r.dev} via ${r.gateway === undefined || r.gateway === dst ? "on-link" : r.gateway}`;
}

/** Parse `ip -j route get` output (a JSON array of one route). */
export function parseIpRoute(json: string): Route | null {
  let list: unknown;
  try {
    list = JSON.parse(json);
  } catch {
    return null;
  }
  const r = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
  if (!r || typeof r.dev !== "string") return null;
  if (r.type === "unreachable" || r.type === "prohibit" || r.type === "blackhole") return null;
  const out: Route = { dev: r.dev };
  if (typeof r.gateway === "string") out.gateway = r.gateway;
  if (typeof r.prefsrc === "string") out.prefsrc = r.prefsrc;
  return out;
}

/** The kernel's routes through iproute2, or null where `ip` is unavailable (not Linux, not installed). */
export function ipRoutes(): RouteLookup | null {
  if (process.platform !== "linux") return null;
  const ip = Bun.which("ip") ?? Bun.which("ip", { PATH: "/usr/sbin:/sbin:/usr/bin:/bin" });
  if (ip === null) return null;
  return async (dst, src) => {
    const argv = [ip, "-j", "route", "get", dst, ...(src === undefined ? [] : ["from", src])];
    try {
      const p = Bun.spawn(argv, { stdout: "pipe", stderr: "ignore", stdin: "ignore" });
      const [text, code] = await Promise.all([new Response(p.stdout).text(), p.exited]);
      return code === 0 ? parseIpRoute(text) : null;
    } catch {
      return null;
    }
  };
}

/**
 * Routes guessed from the local subnets, where the kernel cannot be asked: a destination on a local
 * subnet leaves by that interface whatever the source; any other leaves by the source's own interface
 * (each interface its own uplink); without a source, by the first local address's interface.
 */
export function subnetRoutes(sources: readonly Source[]): RouteLookup {
  return async (dst, src) => {
    const fam = isIP(dst);
    const mine = sources.filter((s) => s.family === fam);
    const link = mine.find((s) => onLink(s, dst));
    if (link) return { dev: link.iface, prefsrc: link.address };
    const from = src === undefined ? mine[0] : mine.find((s) => s.address === src);
    return from ? { dev: from.iface, gateway: "default", prefsrc: from.address } : null;
  };
}
