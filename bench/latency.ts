/**
 * Interactive latency of bondcat against socat, both in the same run on loopback:
 *  - ping-pong: 1-byte round trips through a relay to a TCP echo server (`bondcat -l -k --relay` and a
 *    client `-x 2` on pipes, or with stdin and stdout on one socketpair as under inetd / `socat EXEC:`;
 *    yardstick `socat STDIO TCP:` → `socat TCP-LISTEN:…,fork TCP:echo`);
 *  - marker behind bulk: SIZE of zeros with a marker line every 8 MiB to a target that drops bulk and
 *    echoes marker lines (bench/marker-target.ts); marker round trip and bulk rate.
 *   bun bench/latency.ts [--pings 2000] [--size 256] [--rounds 1] [--only ping|marker]
 * With BONDCAT_BEFORE=<another checkout> its bondcat runs too ("before"), in the same rounds.
 * Prints a markdown table for BENCHMARKS.md.
 */
import { median, ROOT } from "./lib.ts";
import { SIDES, pingPong, markerBehindBulk, percentile } from "./latency-lib.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const pings = Number(opt("--pings", "2000"));
const size = Number.parseFloat(opt("--size", "256")) * (1 << 20);
const rounds = Number(opt("--rounds", "1"));
const only = opt("--only", "");

if (Bun.spawnSync(["sh", "-c", "command -v socat"]).exitCode !== 0) {
  console.error("socat is not installed (apt-get install socat): the yardstick needs it");
  process.exit(2);
}
const load = new TextDecoder().decode(Bun.spawnSync(["uptime"]).stdout).trim();
console.log(`\n${ROOT}: ${load}\n`);

const ms = (us: number) => (us / 1000).toFixed(2);

if (only !== "marker") {
  console.log(`${pings} × 1-byte ping-pong through a relay to an echo server (ms)\n`);
  console.log("| client stdio | tool | p50 | p99 | max | > 5 ms |");
  console.log("|---|---|---:|---:|---:|---:|");
  for (const stdio of ["pipes", "socketpair"] as const) {
    for (let r = 0; r < rounds; r++) {
      for (const side of SIDES) {
        const rtts = await pingPong(side, stdio, pings);
        const over = rtts.filter((x) => x > 5000).length;
        console.log(`| ${stdio} | ${side} | ${ms(percentile(rtts, 50))} | ${ms(percentile(rtts, 99))} | ${ms(rtts.at(-1)!)} | ${over} |`);
      }
    }
  }
}

if (only !== "ping") {
  console.log(`\nmarker behind ${size >> 20} MiB of bulk (a marker line every 8 MiB), client -x 2\n`);
  console.log("| tool | marker RTT median ms | max ms | bulk Gbit/s |");
  console.log("|---|---:|---:|---:|");
  for (let r = 0; r < rounds; r++) {
    for (const side of SIDES) {
      const m = await markerBehindBulk(side, size);
      console.log(`| ${side} | ${ms(median(m.rtts))} | ${ms(Math.max(...m.rtts))} | ${m.gbps.toFixed(2)} |`);
    }
  }
}
