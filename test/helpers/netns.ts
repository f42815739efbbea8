/**
 * Test networks in Linux network namespaces: two hosts ("a" dials, "b" listens) joined by several veth
 * links, each its own subnet (198.18.N.0/24 and fdbc:N::/64), optionally rate-limited with tbf. Links can
 * be cut silently (nftables drop: packets vanish, nothing is reset) or loudly (link down), and healed.
 * A link with `delayMs` is a pair of TAP devices joined by a userspace forwarder (delay-link.py) that
 * holds every frame that long in each direction: real propagation delay on a kernel without netem.
 * Needs root and iproute2 (and python3 + /dev/net/tun for delay links); `networkSkipReason()` and
 * `delaySkipReason()` say why not when they are missing.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface LinkSpec {
  /** tbf rate, e.g. "50mbit"; none = unshaped. */
  rate?: string;
  /** One-way propagation delay in ms, each direction (a TAP pair + delay-link.py instead of veth). */
  delayMs?: number;
}

const DELAY_LINK = join(import.meta.dir, "delay-link.py");

export interface Link {
  index: number;
  ifA: string;
  ifB: string;
  /** Addresses of host b on this link (the listener's endpoints). */
  b4: string;
  b6: string;
  a4: string;
  a6: string;
}

function run(cmd: string[], check = true, input?: string): string {
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: "utf8", input });
  if (check && r.status !== 0) throw new Error(`${cmd.join(" ")} failed: ${r.stderr || r.error}`);
  return r.stdout ?? "";
}

export function networkSkipReason(): string | null {
  if (process.platform !== "linux") return "network tests need Linux network namespaces";
  if (process.getuid?.() !== 0) return "network tests need root (ip netns)";
  if (spawnSync("ip", ["-V"]).status !== 0) return "iproute2 (ip) is not installed";
  const probe = `bcprobe${process.pid}`;
  if (spawnSync("ip", ["netns", "add", probe]).status !== 0) return "cannot create network namespaces here";
  spawnSync("ip", ["netns", "del", probe]);
  return null;
}

/** Why links with delay cannot be built here (on top of networkSkipReason), or null. */
export function delaySkipReason(): string | null {
  if (spawnSync("python3", ["--version"]).status !== 0) return "python3 is not installed (delay links)";
  if (!existsSync("/dev/net/tun")) return "/dev/net/tun is missing (delay links)";
  return null;
}

/** Sleep synchronously (the topology is built synchronously). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export function hasNft(): boolean {
  return spawnSync("nft", ["--version"]).status === 0;
}

let counter = 0;

export class Topology {
  readonly a: string;
  readonly b: string;
  readonly links: Link[] = [];
  private readonly forwarders: ChildProcess[] = [];

  constructor(specs: LinkSpec[]) {
    const tag = `${process.pid % 100000}x${counter++}`;
    this.a = `bcA${tag}`;
    this.b = `bcB${tag}`;
    run(["ip", "netns", "add", this.a]);
    run(["ip", "netns", "add", this.b]);
    for (const ns of [this.a, this.b]) run(["ip", "-n", ns, "link", "set", "lo", "up"]);
    specs.forEach((spec, i) => {
      const ifA = `a${i}${tag}`.slice(0, 15);
      const ifB = `b${i}${tag}`.slice(0, 15);
      if (spec.delayMs === undefined) {
        run(["ip", "link", "add", ifA, "netns", this.a, "type", "veth", "peer", "name", ifB, "netns", this.b]);
      } else {
        run(["ip", "-n", this.a, "tuntap", "add", "dev", ifA, "mode", "tap"]);
        run(["ip", "-n", this.b, "tuntap", "add", "dev", ifB, "mode", "tap"]);
        this.startForwarder(ifA, ifB, spec.delayMs);
      }
      const link: Link = {
        index: i,
        ifA,
        ifB,
        a4: `198.18.${i}.1`,
        b4: `198.18.${i}.2`,
        a6: `fdbc:${i}::1`,
        b6: `fdbc:${i}::2`,
      };
      for (const [ns, dev, v4, v6] of [
        [this.a, ifA, link.a4, link.a6],
        [this.b, ifB, link.b4, link.b6],
      ] as const) {
        run(["ip", "-n", ns, "addr", "add", `${v4}/24`, "dev", dev]);
        run(["ip", "-n", ns, "addr", "add", `${v6}/64`, "dev", dev, "nodad"]);
        run(["ip", "-n", ns, "link", "set", dev, "up"]);
        if (spec.rate) {
          // Shape both directions; the queue (latency 200 ms) makes a loaded slow link slow to answer too.
          run(["ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", dev, "root", "tbf", "rate", spec.rate, "burst", "64kb", "latency", "200ms"]);
        }
      }
      this.links.push(link);
    });
    for (const l of this.links) if (specs[l.index]!.delayMs !== undefined) this.waitCarrier(l);
    this.waitOperUp();
  }

  /**
   * Block until every link device is operationally up, at most 3 s. The kernel's link watcher turns a
   * new carrier on at most once a second: until then the device's queue discards what it sends, so the
   * first packet (an IPv6 neighbor advertisement, a SYN-ACK) is lost and TCP retries only after 1 s.
   */
  private waitOperUp(): void {
    const up = (ns: string, dev: string) => /\bstate UP\b/.test(run(["ip", "-n", ns, "-o", "link", "show", dev]));
    const until = Date.now() + 3_000;
    for (const l of this.links) {
      while (!(up(this.a, l.ifA) && up(this.b, l.ifB)) && Date.now() < until) sleepSync(10);
    }
  }

  private startForwarder(ifA: string, ifB: string, delayMs: number): void {
    const p = spawn("python3", [DELAY_LINK, this.a, ifA, this.b, ifB, String(delayMs)], { stdio: ["ignore", "ignore", "inherit"] });
    this.forwarders.push(p);
  }

  /** Block until the forwarder attached both TAP devices of link l (carrier up), at most 10 s. */
  private waitCarrier(l: Link): void {
    const carrier = (ns: string, dev: string) => run(["ip", "-n", ns, "-o", "link", "show", dev]).includes("LOWER_UP");
    const until = Date.now() + 10_000;
    while (!(carrier(this.a, l.ifA) && carrier(this.b, l.ifB))) {
      if (Date.now() > until) throw new Error(`delay link ${l.index}: forwarder did not attach within 10 s`);
      sleepSync(20);
    }
  }

  /**
   * Give host h its own /etc/hosts (`ip netns exec` bind-mounts /etc/netns/NS/hosts over it).
   * Removed again by destroy().
   */
  hosts(host: "a" | "b", text: string): void {
    const d = `/etc/netns/${host === "a" ? this.a : this.b}`;
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, "hosts"), text);
  }

  /**
   * Source-address policy routing on host a, as on a multi-homed client: for each link i, `ip rule from
   * a4/a6 lookup 100+i` and a default route via host b's address on that link in table 100+i. Every
   * address of b is then reachable over every link, the link chosen by the source address.
   */
  policyRoutes(): void {
    for (const l of this.links) {
      const table = String(100 + l.index);
      for (const [src, gw, v] of [
        [l.a4, l.b4, "-4"],
        [l.a6, l.b6, "-6"],
      ] as const) {
        run(["ip", "-n", this.a, v, "rule", "add", "from", src, "lookup", table]);
        run(["ip", "-n", this.a, v, "route", "add", "default", "via", gw, "dev", l.ifA, "table", table]);
      }
    }
  }

  /** argv to run `cmd` inside host a or b. */
  exec(host: "a" | "b", cmd: string[]): string[] {
    return ["ip", "netns", "exec", host === "a" ? this.a : this.b, ...cmd];
  }

  /** Silently drop every packet on link i (both hosts, both directions): nothing is reset. */
  cut(i: number): void {
    const l = this.links[i]!;
    for (const [ns, dev] of [
      [this.a, l.ifA],
      [this.b, l.ifB],
    ] as const) {
      const rules = `table netdev bccut${i} {\n chain in {\n  type filter hook ingress device "${dev}" priority 0; policy drop;\n }\n}\n`;
      run(["ip", "netns", "exec", ns, "nft", "-f", "-"], true, rules);
    }
  }

  heal(i: number): void {
    for (const ns of [this.a, this.b]) run(["ip", "netns", "exec", ns, "nft", "delete", "table", "netdev", `bccut${i}`], false);
  }

  /** Take link i down on host a: the kernel reports errors at once (a loud failure). */
  down(i: number): void {
    run(["ip", "-n", this.a, "link", "set", this.links[i]!.ifA, "down"]);
  }

  /** Bytes host a sent on link i (interface counters). */
  txBytes(i: number): number {
    return Number(run(["ip", "netns", "exec", this.a, "cat", `/sys/class/net/${this.links[i]!.ifA}/statistics/tx_bytes`]).trim());
  }

  destroy(): void {
    for (const p of this.forwarders) p.kill();
    for (const ns of [this.a, this.b]) rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    run(["ip", "netns", "del", this.a], false);
    run(["ip", "netns", "del", this.b], false);
  }
}
