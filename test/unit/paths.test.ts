/** Endpoint × local address × multiplier → paths; local-address auto-detection rules. */
import { describe, expect, test } from "bun:test";
import { localSources, onLink, sourcesFor, type Source } from "../../src/paths/local-addresses.ts";
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

  test("fan out only with two or more sources of the endpoint's family; never for loopback", async () => {
    expect(await sourcesFor("198.18.5.5", two4)).toEqual([
      { localAddress: "198.18.0.2", family: 4 },
      { localAddress: "198.18.1.2", family: 4 },
    ]);
    expect(await sourcesFor("[fdbc::9]", two4)).toEqual([{}]); // one IPv6 source: the OS chooses
    expect(await sourcesFor("127.0.0.1", two4)).toEqual([{}]);
    expect(await sourcesFor("198.18.1.9", two4)).toEqual([{}]); // on wwan0's subnet: no fan-out
    expect(await sourcesFor("localhost", two4)).toEqual([{}]);
    expect(await sourcesFor("198.18.5.5", two4, 6)).toEqual([{}]);
  });
});

describe("buildPaths", () => {
  const bindy: Transport = { ...memoryTransport({ name: "tcp" }), bindsLocalAddress: true };
  const registry = new TransportRegistry([bindy]);

  test("endpoint × source × multiplier, labelled, with the source bound", async () => {
    const paths = await buildPaths(
      { endpoints: [new URL("tcp://198.18.5.5:9000")], multiplier: 2, autoDetect: true, dialTimeoutMs: 1000, sources: two4 },
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
