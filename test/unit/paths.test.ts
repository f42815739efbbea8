/** Endpoint × local address × multiplier → paths; local-address auto-detection rules. */
import { describe, expect, test } from "bun:test";
import { chooseDials, type Target } from "../../src/paths/choose-dials.ts";
import { localSources, onLink, type Source } from "../../src/paths/local-addresses.ts";
import { parseIpRoute, routeKey, subnetRoutes, type Route, type RouteLookup } from "../../src/paths/routes.ts";
import { buildPaths } from "../../src/paths/build-paths.ts";
import { TransportRegistry } from "../../src/paths/registry.ts";
import { memoryTransport } from "../helpers/memory-transport.ts";
import type { Transport } from "../../src/contract/transport.ts";

const two4: Source[] = [
  { address: "198.18.0.2", family: 4, iface: "eth0", prefix: 24 },
  { address: "198.18.1.2", family: 4, iface: "wwan0", prefix: 24 },
  { address: "fdbc::2", family: 6, iface: "eth0", prefix: 64 },
];

describe("local sources", () => {
  test("skips loopback/internal and IPv6 link-local, keeps the rest once", () => {
    const s = localSources({
      lo: [{ address: "127.0.0.1", family: "IPv4", internal: true, netmask: "", mac: "", cidr: null }],
      eth0: [
        { address: "198.18.0.2", family: "IPv4", internal: false, netmask: "", mac: "", cidr: null },
        { address: "fe80::1", family: "IPv6", internal: false, netmask: "", mac: "", cidr: null, scopeid: 2 },
        { address: "fdbc::2", family: "IPv6", internal: false, netmask: "", mac: "", cidr: null, scopeid: 0 },
      ],
      eth1: [{ address: "198.18.0.2", family: "IPv4", internal: false, netmask: "", mac: "", cidr: null }],
    });
    expect(s.map((x) => x.address)).toEqual(["198.18.0.2", "fdbc::2"]);
  });

  test("on-link check by prefix, IPv4 and IPv6", () => {
    expect(onLink({ address: "198.18.0.2", family: 4, iface: "x", prefix: 24 }, "198.18.0.77")).toBe(true);
    expect(onLink({ address: "198.18.0.2", family: 4, iface: "x", prefix: 24 }, "198.18.1.77")).toBe(false);
    expect(onLink({ address: "fdbc:1::2", family: 6, iface: "x", prefix: 64 }, "fdbc:1::9")).toBe(true);
    expect(onLink({ address: "fdbc:1::2", family: 6, iface: "x", prefix: 64 }, "fdbc:2::9")).toBe(false);
    expect(onLink({ address: "fdbc:1::2", family: 6, iface: "x" }, "fdbc:1::9")).toBe(false);
  });

  test("without the kernel's routes, subnets stand in: fan out off-link, not on-link, never for loopback", async () => {
    const o = { perFamily: true, bindSources: true, sources: two4, routes: subnetRoutes(two4) };
    const dials = async (h: string, family?: 4 | 6) => (await chooseDials(h, family ? { ...o, family } : o)).dials;
    expect(await dials("198.18.5.5")).toEqual([{ localAddress: "198.18.0.2" }, { localAddress: "198.18.1.2" }]);
    expect(await dials("[fdbc::9]")).toEqual([{}]); // one IPv6 source: the OS chooses
    expect(await dials("127.0.0.1")).toEqual([{}]);
    expect(await dials("198.18.1.9")).toEqual([{}]); // on wwan0's subnet: one route
    expect(await dials("localhost")).toEqual([{}]);
  });
});

/** A fake kernel: routes by (destination, source) as `ip route get DST from SRC` would answer. */
function fakeRoutes(table: Record<string, Route | null>): RouteLookup {
  return async (dst, src) => {
    const r = table[`${dst} from ${src ?? "-"}`];
    return r === undefined ? null : r;
  };
}

describe("route-aware auto-detection", () => {
  const hosts: Source[] = [
    { address: "198.18.0.1", family: 4, iface: "eth0", prefix: 24 },
    { address: "198.18.1.1", family: 4, iface: "eth1", prefix: 24 },
    { address: "198.18.2.1", family: 4, iface: "eth2", prefix: 24 },
    { address: "fdbc:1::1", family: 6, iface: "eth1", prefix: 64 },
  ];
  const base = { perFamily: true, bindSources: true, sources: hosts };

  test("policy routing: an on-link endpoint still gets one dial per distinct route (the kernel decides)", async () => {
    const routes = fakeRoutes({
      "198.18.0.2 from -": { dev: "eth0", prefsrc: "198.18.0.1" },
      "198.18.0.2 from 198.18.0.1": { dev: "eth0", gateway: "198.18.0.2" }, // table 100: via the endpoint itself = on-link
      "198.18.0.2 from 198.18.1.1": { dev: "eth1", gateway: "198.18.1.2" }, // ip rule from 198.18.1.1 lookup 101
      "198.18.0.2 from 198.18.2.1": { dev: "eth0" }, // no rule: the main table, the same route as eth0's
    });
    const c = await chooseDials("198.18.0.2", { ...base, routes });
    expect(c.dials).toEqual([{ localAddress: "198.18.0.1" }, { localAddress: "198.18.1.1" }]);
    expect(c.notes).toContain("198.18.0.2: source 198.18.2.1 skipped: same route (eth0 via on-link) as 198.18.0.1");
    expect(c.notes).toContain("198.18.0.2: source 198.18.1.1 (eth1 via 198.18.1.2)");
  });

  test("several default routes in several tables; two gateways on one interface are two routes", async () => {
    const routes = fakeRoutes({
      "203.0.113.9 from -": { dev: "eth0", gateway: "198.18.0.254", prefsrc: "198.18.0.1" },
      "203.0.113.9 from 198.18.0.1": { dev: "eth0", gateway: "198.18.0.254" },
      "203.0.113.9 from 198.18.1.1": { dev: "eth0", gateway: "198.18.0.253" },
      "203.0.113.9 from 198.18.2.1": { dev: "eth2", gateway: "198.18.2.254" },
    });
    const c = await chooseDials("203.0.113.9", { ...base, routes });
    expect(c.dials.map((d) => d.localAddress)).toEqual(["198.18.0.1", "198.18.2.1", "198.18.1.1"]);
  });

  test("one route for all: nothing bound; a source without a route is skipped and said so", async () => {
    const routes = fakeRoutes({
      "198.18.9.9 from -": { dev: "eth0", gateway: "198.18.0.254", prefsrc: "198.18.0.1" },
      "198.18.9.9 from 198.18.0.1": { dev: "eth0", gateway: "198.18.0.254" },
      "198.18.9.9 from 198.18.1.1": { dev: "eth0", gateway: "198.18.0.254" },
      "198.18.9.9 from 198.18.2.1": null,
    });
    const c = await chooseDials("198.18.9.9", { ...base, routes });
    expect(c.dials).toEqual([{}]);
    expect(c.notes).toContain("198.18.9.9: source 198.18.2.1 skipped: no route from it");
  });

  test("a dual-stack name: the first address of each family, -4/-6 restrict, --all-addresses takes all", async () => {
    const resolve = async (_h: string, f?: 4 | 6): Promise<Target[]> =>
      (
        [
          { address: "fdbc:1::2", family: 6 },
          { address: "198.18.0.2", family: 4 },
          { address: "198.18.0.3", family: 4 },
        ] as Target[]
      ).filter((a) => f === undefined || a.family === f);
    const routes = fakeRoutes({});
    const o = { ...base, bindSources: false, routes, resolve };
    const both = await chooseDials("bondhost", o);
    expect(both.dials).toEqual([
      { address: "fdbc:1::2", family: 6 },
      { address: "198.18.0.2", family: 4 },
    ]);
    expect(both.notes[0]).toBe("bondhost → fdbc:1::2, 198.18.0.2 (1 more skipped: first of each family; --all-addresses for every one)");
    expect((await chooseDials("bondhost", { ...o, family: 4 })).dials).toEqual([{ address: "198.18.0.2", family: 4 }]);
    expect((await chooseDials("bondhost", { ...o, allAddresses: true })).dials).toHaveLength(3);
    // A transport that cannot connect to a given address: the name as it is.
    expect((await chooseDials("bondhost", { ...o, perFamily: false })).dials).toEqual([{}]);
  });

  test("parses `ip -j route get` answers", () => {
    expect(parseIpRoute('[{"dst":"198.18.0.2","from":"198.18.1.1","gateway":"198.18.1.2","dev":"a1","table":"101","uid":0,"flags":[],"cache":[]}]')).toEqual({ dev: "a1", gateway: "198.18.1.2" });
    expect(parseIpRoute('[{"dst":"198.18.0.2","dev":"a0","prefsrc":"198.18.0.1","flags":[],"uid":0,"cache":[]}]')).toEqual({ dev: "a0", prefsrc: "198.18.0.1" });
    expect(parseIpRoute('[{"type":"unreachable","dst":"198.18.0.2","dev":"lo"}]')).toBeNull();
    expect(parseIpRoute("garbage")).toBeNull();
    expect(routeKey({ dev: "a0", gateway: "198.18.0.2" }, "198.18.0.2")).toBe("a0 via on-link");
  });
});

describe("buildPaths", () => {
  const bindy: Transport = { ...memoryTransport({ name: "tcp" }), bindsLocalAddress: true };
  const registry = new TransportRegistry([bindy]);

  test("endpoint × source × multiplier, labelled, with the source bound", async () => {
    const paths = await buildPaths(
      { endpoints: [new URL("tcp://198.18.5.5:9000")], multiplier: 2, autoDetect: true, dialTimeoutMs: 1000, sources: two4, routes: subnetRoutes(two4) },
      registry,
      {},
    );
    expect(paths.map((p) => p.label)).toEqual([
      "tcp://198.18.5.5:9000 via 198.18.0.2 #1",
      "tcp://198.18.5.5:9000 via 198.18.0.2 #2",
      "tcp://198.18.5.5:9000 via 198.18.1.2 #1",
      "tcp://198.18.5.5:9000 via 198.18.1.2 #2",
    ]);
  });

  test("through an explicit proxy: no fan-out (the proxy's route is what counts)", async () => {
    const plan = { endpoints: [new URL("tcp://198.18.5.5:9000")], multiplier: 1, autoDetect: true, dialTimeoutMs: 1000, sources: two4, routes: subnetRoutes(two4) };
    expect((await buildPaths(plan, registry, { proxy: "socks5://127.0.0.1:1080" })).map((p) => p.label)).toEqual(["tcp://198.18.5.5:9000"]);
    expect(await buildPaths(plan, registry, { proxy: null })).toHaveLength(2);
  });

  test("-a (no auto-detect) and backups", async () => {
    const paths = await buildPaths(
      {
        endpoints: [new URL("tcp://198.18.5.5:9000")],
        backup: [new URL("tcp://198.18.9.9:9000")],
        multiplier: 1,
        autoDetect: false,
        dialTimeoutMs: 1000,
        sources: two4,
      },
      registry,
      {},
    );
    expect(paths.map((p) => [p.label, p.backup])).toEqual([
      ["tcp://198.18.5.5:9000", false],
      ["tcp://198.18.9.9:9000", true],
    ]);
  });

  test("an unknown scheme fails before anything is dialed", async () => {
    const err = await buildPaths(
      { endpoints: [new URL("quic://h:1")], multiplier: 1, autoDetect: false, dialTimeoutMs: 1000 },
      registry,
      {},
    ).catch((e) => e);
    expect(err.code).toBe("EUNKNOWNSCHEME");
  });
});
