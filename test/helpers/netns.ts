/**
 * Test networks in Linux network namespaces: two hosts ("a" dials, "b" listens) joined by several veth
 * links, each its own subnet (198.18.N.0/24 and fdbc:N::/64), optionally rate-limited with tbf. Links can
 * be cut silently (nftables drop: packets vanish, nothing is reset) or loudly (link down), and healed.
 * Needs root and iproute2; `networkSkipReason()` says why not when they are missing.
 */
import { spawnSync } from "node:child_process";

export interface LinkSpec {
  /** tbf rate, e.g. "50mbit"; none = unshaped. */
  rate?: string;
}

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

export function hasNft(): boolean {
  return spawnSync("nft", ["--version"]).status === 0;
}

let counter = 0;

export class Topology {
  readonly a: string;
  readonly b: string;
  readonly links: Link[] = [];

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
      run(["ip", "link", "add", ifA, "netns", this.a, "type", "veth", "peer", "name", ifB, "netns", this.b]);
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
    run(["ip", "netns", "del", this.a], false);
    run(["ip", "netns", "del", this.b], false);
  }
}
