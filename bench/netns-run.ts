/**
 * Shared by the namespace benchmarks (paths.ts, aggregate.ts): a one-way transfer of zeros from host a to
 * host b, timed the same way for every tool — bondcat, the Go bondcat, kernel MPTCP, plain TCP — on the
 * receiving side by bench/gap-meter.py: the wall-clock times of the first and the last byte the receiver
 * got. Three rates come out of one run: client start → last byte (what a user waits for, start-up
 * included); first → last byte (without process start-up, but a tool that holds back its first bytes
 * gains there); and the middle 80% of the bytes (10% → 90% marks: the steady state, which neither
 * start-up nor the head or the tail of the transfer affect).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import type { Topology } from "../test/helpers/netns.ts";
import { ROOT } from "./lib.ts";

export const METER = join(ROOT, "bench", "gap-meter.py");

export interface Received {
  /** Mbit/s from the first to the last byte at the receiver. */
  mbps: number;
  /** Mbit/s while the middle 80% of the bytes arrived (from the 10% mark to the 90% mark): steady state. */
  midMbps: number;
  /** Mbit/s from the client's start to the last byte at the receiver. */
  wallMbps: number;
  /** Seconds from the client's start to the first byte at the receiver. */
  startupS: number;
}

/** A receiver in host b: the shell command line `cmd` whose stdout (the received bytes) is metered. */
export const meteredStdout = (cmd: string, bytes: number, stopAtBytes = false) =>
  `${cmd} | python3 ${METER} stdin --no-hash --bytes ${bytes}${stopAtBytes ? " --stop" : ""}`;

/** Kernel MPTCP (or plain TCP) receiver in b and sender in a (its stdin: the zeros), both gap-meter.py. */
export const socketPair = (t: Topology, host: string, port: number, bytes: number, tcp: boolean) => ({
  server: `python3 ${METER} mptcp-server ${port} --no-hash --bytes ${bytes}${tcp ? " --tcp" : ""}`,
  client: t.exec("a", ["python3", METER, "mptcp-client", host, String(port), "/dev/stdin", ...(tcp ? ["--tcp"] : [])]),
});

/** End every process still running in host h's namespace (only the bench's own), by pid. */
function killAll(t: Topology, h: "a" | "b"): void {
  const pids = spawnSync("ip", ["netns", "pids", h === "a" ? t.a : t.b], { encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** The first JSON line on `s` (the meter's), or "{}" when it ends without one. */
async function firstJsonLine(s: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const c of s) {
    text += new TextDecoder().decode(c);
    const line = text.split("\n").find((l, i, all) => l.startsWith("{") && i < all.length - 1);
    if (line !== undefined) return line;
  }
  return "{}";
}

/**
 * Start `server` (a shell command line, see meteredStdout/socketPair) in host b, wait for `ready` on its
 * stderr (or, a number, for a socket listening on that port), then pipe `bytes` zeros into `client` (an argv that enters host a itself). `lingers`: the tools
 * do not exit by themselves when the data is through (the Go bondcat): they are ended once the meter has
 * counted every byte; otherwise both must exit 0.
 */
export async function meteredTransfer(t: Topology, server: string, client: string[], ready: RegExp | number, bytes: number, lingers = false): Promise<Received> {
  // A lingering listener's stdin stays open (the Go bondcat's ends the session when it ends).
  const srv = Bun.spawn(t.exec("b", ["sh", "-c", server]), { stdin: lingers ? "pipe" : "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const logDone = (async () => {
    for await (const c of srv.stderr as ReadableStream<Uint8Array>) if (log.length < 1 << 16) log += new TextDecoder().decode(c);
  })();
  const out = firstJsonLine(srv.stdout);
  const t0 = Date.now();
  const listening = () =>
    typeof ready === "number"
      ? spawnSync("ip", ["netns", "exec", t.b, "ss", "-ltnH", `sport = :${ready}`], { encoding: "utf8" }).stdout.trim() !== ""
      : ready.test(log);
  while (!listening()) {
    if (Date.now() - t0 > 10_000) throw new Error(`server did not start: ${log}`);
    await Bun.sleep(20);
  }
  const q = (a: string) => `'${a.replace(/'/g, "'\\''")}'`;
  // A lingering client's stdin stays open (`cat` of this pipe) until the meter is done.
  const feed = lingers ? `(head -c ${bytes} /dev/zero; cat)` : `head -c ${bytes} /dev/zero`;
  const start = Date.now() / 1000;
  const cli = Bun.spawn(["sh", "-c", `${feed} | ${client.map(q).join(" ")}`], { stdin: lingers ? "pipe" : "ignore", stdout: "ignore", stderr: "pipe" });
  const cliErr = new Response(cli.stderr).text();
  // A run that hangs ends as an error (the meter's line then lacks bytes), not as a hung bench.
  const watchdog = setTimeout(() => (killAll(t, "a"), killAll(t, "b")), 180_000);
  let codes: number[] = [];
  if (lingers) {
    await out; // the meter stopped at `bytes`; the tools are still up
    killAll(t, "a");
    killAll(t, "b");
    (cli.stdin as import("bun").FileSink).end();
    (srv.stdin as import("bun").FileSink).end();
    await Promise.all([cli.exited, srv.exited]);
  } else {
    codes = await Promise.all([cli.exited, srv.exited]);
  }
  clearTimeout(watchdog);
  await logDone;
  const m = JSON.parse(await out) as { bytes: number; firstWall: number; lastWall: number; markWall: number[] };
  if (codes.some((c) => c !== 0) || m.bytes !== bytes) {
    throw new Error(`exit ${codes.join("/")}, ${m.bytes} of ${bytes} bytes: ${log} ${await cliErr}`);
  }
  return {
    mbps: (bytes * 8) / (m.lastWall - m.firstWall) / 1e6,
    midMbps: ((bytes - 2 * Math.floor(bytes / 10)) * 8) / (m.markWall[1]! - m.markWall[0]!) / 1e6,
    wallMbps: (bytes * 8) / (m.lastWall - start) / 1e6,
    startupS: m.firstWall - start,
  };
}
