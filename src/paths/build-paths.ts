/**
 * Endpoints → the paths a client dials: endpoint × local source address (auto-detection) × multiplier.
 * Shared by the CLI and the library API.
 */
import type { PathSpec } from "../core/path-manager.ts";
import { formatEndpoint } from "./endpoint.ts";
import { localSources, sourcesFor, type Source } from "./local-addresses.ts";
import type { TransportRegistry } from "./registry.ts";
import type { TransportOptions } from "../contract/transport.ts";

export interface PathPlan {
  endpoints: readonly URL[];
  backup?: readonly URL[];
  multiplier: number;
  /** Dial from every usable local address (multi-homed hosts). */
  autoDetect: boolean;
  family?: 4 | 6;
  dialTimeoutMs: number;
  /** For tests: the local addresses to consider instead of the machine's. */
  sources?: readonly Source[];
}

export async function buildPaths(plan: PathPlan, registry: TransportRegistry, topts: TransportOptions): Promise<PathSpec[]> {
  const sources = plan.autoDetect ? (plan.sources ?? localSources()) : [];
  const paths: PathSpec[] = [];
  const add = async (url: URL, backup: boolean) => {
    const transport = registry.get(url.protocol); // unknown scheme → ConfigError before anything opens
    const via = plan.autoDetect && transport.bindsLocalAddress ? await sourcesFor(url.hostname, sources, plan.family) : [{}];
    for (const v of via) {
      for (let k = 1; k <= plan.multiplier; k++) {
        const parts = [formatEndpoint(url)];
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
