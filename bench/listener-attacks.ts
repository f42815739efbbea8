/**
 * The listener attacks of docs/SECURITY.md, each against one or more bondcat checkouts in the same run
 * (e.g. before and after the hardening), with raw-socket attackers written here:
 *
 *   bun bench/listener-attacks.ts [ROOT …]        (default: this checkout; ONLY=tls,reset … for some)
 *
 * refused   UNKNOWN_SESSION / BAD_VERSION / SESSION_EXISTS replies whose client keeps the socket: ms until closed
 * trickle   a HELLO dripped one byte every 150 ms: ms until closed
 * tls       a TLS listener, a client that sends 3 bytes of ClientHello and waits: ms until closed
 * emfile    `ulimit -n 60`, 100 silent sockets: listener CPU seconds over 3 s, and whether it serves after
 * reset     300 sessions opened and reset on `-k -e cat`: cat processes and listener fds after 2 s and 15 s
 * forge     ABORT reason "ESC[2J…\r\n[info] forged": raw control characters in the listener's stderr?
 * env       `-e 'sh -c env'` with BONDCAT_SECRET set: is it in the program's environment?
 *
 * Beside every attack on a `-k` listener a well-behaved session pings every 25 ms (pingProbe): the
 * longest it waited for a pong is printed as "stall" (the listener's event-loop stall, seen from
 * outside: it includes the probe's own scheduling on a loaded machine), and the listener's own longest
 * event-loop gap, measured inside it (bench/stall-monitor.ts, preloaded): wall clock / CPU used in it.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { encodeAbort } from "../src/core/frame.ts";
import { encodeHello, HelloKind, startOpen } from "../src/core/handshake.ts";
import { legacyProof } from "../test/helpers/offline-attack.ts";
import { RawClient } from "../test/helpers/raw-client.ts";
import { loadEngine, pingProbe } from "../test/helpers/hostile-peer.ts";
import { stallsIn } from "./stall-monitor.ts";
import { rawOpen as cpaceOpen, refusedHello } from "../test/helpers/raw-handshake.ts";

const BUN = process.execPath;
const roots = process.argv.slice(2).map((r) => resolve(r));
if (roots.length === 0) roots.push(resolve(import.meta.dir, ".."));
/** How long a connection is watched before it is called "held". */
const CAP = 30_000;

async function listener(root: string, args: string[], opts: { sh?: string; env?: Record<string, string> } = {}) {
  const bin = join(root, "bin", "bondcat.js");
  const cmd = opts.sh ? ["sh", "-c", `${opts.sh}; exec ${BUN} --preload ${MONITOR} ${bin} -l -4 ${args.join(" ")}`] : [BUN, "--preload", MONITOR, bin, "-l", "-4", ...args];
  const p = Bun.spawn(cmd, { stderr: "pipe", stdout: "pipe", env: { ...process.env, ...opts.env, STALL_FILE: stallFile } });
  let err = "";
  const reader = (async () => {
    for await (const c of p.stderr) err += new TextDecoder().decode(c);
  })();
  const t0 = performance.now();
  while (!/listening on \S+:(\d+)/.test(err)) {
    if (performance.now() - t0 > 20_000) throw new Error(`no port: ${err}`);
    await Bun.sleep(20);
  }
  const port = Number(/listening on \S+:(\d+)/.exec(err)![1]);
  // A pinging session beside the attack (keep-open plain-TCP listeners only; the engine of `root`).
  const probe = args.includes("-k") && args.includes("-p") ? await pingProbe(await loadEngine(root), port, "") : null;
  await Bun.sleep(200); // the first handshake compiles the listener's code: not the attack's stall
  const from = Date.now();
  const stop = async (): Promise<void> => {
    if (probe !== null) stalls.set(root, Math.max(stalls.get(root) ?? 0, probe.maxStall, probe.lost ? Infinity : 0));
    const inside = stallsIn(stallFile, from, Date.now());
    inner.set(root, `${inside.wallMs.toFixed(0)} / ${inside.cpuMs.toFixed(0)} ms`);
    probe?.stop();
    p.kill(9);
    await p.exited;
    await reader;
  };
  return { p, port, stderr: () => err, stop };
}
/** Longest pong wait of the probe beside the current attack, per root. */
const stalls = new Map<string, number>();
/** The listener's own longest event-loop gap during the attack (bench/stall-monitor.ts): wall / CPU. */
const inner = new Map<string, string>();
const MONITOR = join(import.meta.dir, "stall-monitor.ts");
const stallFile = join(tmpdir(), `bondcat-stalls-${process.pid}.txt`);

/** A complete OPEN in the protocol `root` speaks (CPace, or the HMAC proofs before it). */
async function openIn(root: string, port: number): Promise<{ c: RawClient; status: number }> {
  if (existsSync(join(root, "src", "core", "cpace.ts"))) return cpaceOpen(port);
  const c = await RawClient.open(port);
  const hello = encodeHello(HelloKind.OPEN, crypto.getRandomValues(new Uint8Array(16)), crypto.getRandomValues(new Uint8Array(32)));
  c.send(hello);
  const reply = await c.read(104);
  if (reply[5] === 0) c.send(legacyProof(hello, reply));
  return { c, status: reply[5]! };
}

const closedMs = async (c: RawClient, t0: number): Promise<string> => {
  const at = await c.closedWithin(CAP);
  c.destroy();
  return at === null ? `open after ${CAP / 1000} s` : `${Math.round(at - t0)} ms`;
};
const cpu = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(f[11]) + Number(f[12])) / 100;
};
const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const cats = (pid: number): number => {
  const r = Bun.spawnSync(["pgrep", "-c", "-P", String(pid), "cat"]);
  return Number(new TextDecoder().decode(r.stdout).trim() || 0);
};

async function refused(root: string): Promise<string> {
  const l = await listener(root, ["-k", "-p", "0"]);
  const id = crypto.getRandomValues(new Uint8Array(16));
  const opening = await RawClient.open(l.port);
  opening.send(startOpen("", id).hello);
  await opening.read(104);
  const rs = [await refusedHello(l.port, "unknown-session"), await refusedHello(l.port, "bad-version"), await refusedHello(l.port, "exists", id)];
  const t0 = performance.now();
  const out = await Promise.all(rs.map((r) => closedMs(r.c, t0)));
  opening.destroy();
  await l.stop();
  return out.join(" / ");
}

async function trickle(root: string): Promise<string> {
  const l = await listener(root, ["-k", "-p", "0"]);
  const c = await RawClient.open(l.port);
  const t0 = performance.now();
  const hello = encodeHello(HelloKind.JOIN, crypto.getRandomValues(new Uint8Array(16)), null);
  let i = 0;
  const drip = setInterval(() => c.closedAt === null && c.send(hello.subarray(i % 72, (i++ % 72) + 1)), 150);
  const r = await closedMs(c, t0);
  clearInterval(drip);
  await l.stop();
  return r;
}

async function tls(root: string): Promise<string> {
  const l = await listener(root, ["-k", "--listen", "tls://127.0.0.1:0"]);
  const c = await RawClient.open(l.port);
  c.send(new Uint8Array([0x16, 0x03, 0x01]));
  const r = await closedMs(c, performance.now());
  await l.stop();
  return r;
}

async function emfile(root: string): Promise<string> {
  const l = await listener(root, ["-k", "-p", "0", "-e", "cat"], { sh: "ulimit -n 60" });
  const held: RawClient[] = [];
  for (let i = 0; i < 100; i++) held.push(await RawClient.open(l.port));
  await Bun.sleep(1000);
  const c0 = cpu(l.p.pid);
  await Bun.sleep(3000);
  const used = cpu(l.p.pid) - c0;
  for (const c of held) c.destroy();
  await Bun.sleep(1000);
  const r = await openIn(root, l.port).then((x) => (x.c.destroy(), x.status === 0 ? "serves again" : `status ${x.status}`), (e: Error) => `not serving (${e.message})`);
  await l.stop();
  return `${used.toFixed(2)} CPU-s in 3 s; ${r}`;
}

async function reset(root: string): Promise<string> {
  const l = await listener(root, ["-k", "-p", "0", "-e", "cat"]);
  const base = fds(l.p.pid);
  const t0 = performance.now();
  for (let i = 0; i < 300; i++) {
    const r = await openIn(root, l.port);
    r.c.socket.resetAndDestroy();
  }
  const openMs = performance.now() - t0;
  await Bun.sleep(2000);
  const at2 = `${cats(l.p.pid)} cat, ${fds(l.p.pid) - base} fds`;
  await Bun.sleep(13_000);
  const at15 = `${cats(l.p.pid)} cat, ${fds(l.p.pid) - base} fds`;
  await l.stop();
  return `opened+reset in ${(openMs / 1000).toFixed(1)} s; +2 s: ${at2}; +15 s: ${at15} (over baseline)`;
}

async function forge(root: string): Promise<string> {
  const l = await listener(root, ["-k", "-p", "0", "-e", "cat"]);
  const r = await openIn(root, l.port);
  r.c.send(encodeAbort(1, "\u001b[2J\r\n[info] forged log line"));
  await Bun.sleep(1000);
  r.c.destroy();
  const err = l.stderr();
  await l.stop();
  return /[\u001b\r]/.test(err) ? "raw ESC/CR in stderr (a forged line)" : "escaped";
}

async function env(root: string): Promise<string> {
  const l = await listener(root, ["-p", "0", "-e", "sh -c env"], { env: { BONDCAT_SECRET: "hush-4242" } });
  const p = Bun.spawn([BUN, join(root, "bin", "bondcat.js"), "-a", `127.0.0.1:${l.port}`], { stdin: "ignore", stdout: "pipe", stderr: "ignore", env: { ...process.env, BONDCAT_SECRET: "hush-4242" } });
  const out = await new Response(p.stdout).text();
  await l.stop();
  return out.includes("BONDCAT_SECRET") ? "inherited" : "not inherited";
}

const ATTACKS = { refused, trickle, tls, emfile, reset, forge, env };
console.log(`listener attacks; load: ${(await Bun.$`uptime`.text()).trim()}`);
const only = process.env.ONLY?.split(",");
for (const [name, run] of Object.entries(ATTACKS)) {
  if (only && !only.includes(name)) continue;
  for (const root of roots) {
    stalls.delete(root);
    inner.delete(root);
    const r = await run(root).catch((e: Error) => `error: ${e.message}`);
    const stall = stalls.get(root);
    console.log(`${name.padEnd(8)} ${root.padEnd(24)} ${r}${stall === undefined ? "" : `; pong wait ≤ ${stall === Infinity ? "probe lost" : `${stall.toFixed(0)} ms`}`}; loop stall inside ${inner.get(root) ?? "?"} (wall / CPU)`);
  }
}
rmSync(stallFile, { force: true });
