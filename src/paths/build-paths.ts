/**
 * Endpoints → the paths a client dials: endpoint × destination address (one per family of a name) ×
 * local source with a route of its own (auto-detection) × multiplier. Shared by the CLI and the library API.
 */
import type { PathSpec } from "../core/path-manager.ts";
import { chooseDials } from "./choose-dials.ts";
import { formatEndpoint } from "./endpoint.ts";
import { localSources, type Source } from "./local-addresses.ts";
import type { TransportRegistry } from "./registry.ts";
import { ipRoutes, subnetRoutes, type RouteLookup } from "./routes.ts";
import type { TransportOptions } from "../contract/transport.ts";

export interface PathPlan {
  endpoints: readonly URL[];
  backup?: readonly URL[];
  multiplier: number;
  /** Dial from every local address with a route of its own (multi-homed hosts). */
  autoDetect: boolean;
  family?: 4 | 6;
  /** Every address of a name, not only the first of each family. */
  allAddresses?: boolean;
  dialTimeoutMs: number;
  /** For tests: the local addresses to consider instead of the machine's. */
  sources?: readonly Source[];
  /** For tests: the route lookup instead of the kernel's (`ip route get`). */
  routes?: RouteLookup;
  /** Receives why addresses and sources were chosen or skipped (logged with -v). */
  note?: (message: string) => void;
}

export async function buildPaths(plan: PathPlan, registry: TransportRegistry, topts: TransportOptions): Promise<PathSpec[]> {
  const sources = plan.autoDetect ? (plan.sources ?? localSources()) : [];
  let routes = plan.routes;
  const paths: PathSpec[] = [];
  const add = async (url: URL, backup: boolean) => {
    const transport = registry.get(url.protocol); // unknown scheme → ConfigError before anything opens
    // Through an explicit proxy the routes and addresses that matter are the proxy's, not the endpoint's.
    const direct = typeof topts.proxy !== "string";
    const bindSources = direct && plan.autoDetect && transport.bindsLocalAddress === true && sources.length > 1;
    if (bindSources && routes === undefined) {
      const kernel = ipRoutes();
      if (kernel === null) plan.note?.("routes: no iproute2 here (or not Linux): guessed from the local subnets");
      routes = kernel ?? subnetRoutes(sources);
    }
    const choice = await chooseDials(url.hostname, {
      perFamily: direct && transport.dialsAddress === true,
      bindSources,
      sources,
      routes: routes ?? subnetRoutes(sources),
      ...(plan.family !== undefined ? { family: plan.family } : {}),
      ...(plan.allAddresses ? { allAddresses: true } : {}),
    });
    for (const n of choice.notes) plan.note?.(n);
    for (const v of choice.dials) {
      for (let k = 1; k <= plan.multiplier; k++) {
        const parts = [formatEndpoint(url)];
        if (v.address) parts.push(`(${v.address})`);
        if (v.localAddress) parts.push(`via ${v.localAddress}`);
        if (plan.multiplier > 1) parts.push(`#${k}`);
        const opts = { ...topts, ...v };
        paths.push({
          label: parts.join(" "),
          backup,
          dial: (signal, sessionId) => registry.dial(url, { ...opts, signal, sessionId, timeoutMs: plan.dialTimeoutMs }),
        });
      }
    }
  };
  for (const u of plan.endpoints) await add(u, false);
  for (const u of plan.backup ?? []) await add(u, true);
  return paths;
}
