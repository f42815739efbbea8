/**
 * What the ws/wss front (transports/proxy-front.ts + upgrade-gate.ts: the pre-upgrade deadline and
 * caps) costs in bulk throughput: a Bun.serve WebSocket receiver (as the ws listener uses) reached
 * straight or through the front with its gate, in one receiver process; the `ws` package sends SIZE
 * bytes in 1 MiB messages from a second process. Rounds alternate direct / front for ws and wss, so
 * both are measured under the same load. One markdown table on stdout.
 *
 * With --bonded: bondcat itself, one session per round (`head -c SIZE /dev/zero | bondcat -a URL` →
 * `bondcat -l --listen URL | wc -c`), dialing the listener's public port (through the front) or the
 * loopback port of its Bun.serve behind the front (found with `ss`: local connections there skip the
 * front), rounds alternating, so the same listener code is measured with and without the splice.
 *
 *   bun bench/ws-front.ts [--size 512M] [--rounds 5] [--bonded]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { formatAddr } from "../src/contract/address.ts";
import { PendingCount } from "../src/contract/pending-count.ts";
import { type ProxyFront, proxyFront } from "../transports/proxy-front.ts";
import { generateSelfSigned } from "../transports/self-signed.ts";
import { PRE_UPGRADE_BYTES, UpgradeGate } from "../transports/upgrade-gate.ts";

const CHUNK = 1 << 20;
const argv = process.argv.slice(2);
const arg = (name: string, dflt: string): string => (argv.includes(name) ? argv[argv.indexOf(name) + 1]! : dflt);

/** Child: receive one WebSocket's bytes on Bun.serve (behind the front if asked); print the MB/s. */
function receiver(secure: boolean, viaFront: boolean, certDir: string): void {
  const tls = secure ? { cert: readFileSync(join(certDir, "c.pem"), "utf8"), key: readFileSync(join(certDir, "k.pem"), "utf8") } : undefined;
  let total = 0;
  let t0 = 0;
  let front: ProxyFront | null = null;
  const srv = Bun.serve<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    ...(tls ? { tls } : {}),
    fetch: (req, s) => {
      const ip = s.requestIP(req); // before the upgrade: after it Bun no longer reports the address
      if (!s.upgrade(req, { data: undefined })) return new Response("no", { status: 400 });
      if (ip) front?.upgraded(formatAddr(ip.address, ip.port)); // as the ws listener does: the gate lets go
      return undefined;
    },
    websocket: {
      perMessageDeflate: false,
      maxPayloadLength: 2 * CHUNK,
      open: () => void (t0 = performance.now()),
      message: (_ws, m) => void (total += m.length),
      close: () => {
        process.stdout.write(`${((total / ((performance.now() - t0) / 1000)) / 1e6).toFixed(0)}\n`);
        process.exit(0);
      },
    },
  });
  let port = srv.port!;
  if (viaFront) {
    const gate = new UpgradeGate({ ms: 10_000, maxBytes: PRE_UPGRADE_BYTES }, new PendingCount(1024, 256), () => {});
    front = proxyFront("127.0.0.1", 0, port, {}, "bench", gate);
    port = front.port;
  }
  process.stderr.write(`port ${port}\n`);
}

async function sender(url: string, size: number): Promise<void> {
  const ws = new WebSocket(url, { perMessageDeflate: false, tls: { rejectUnauthorized: false } });
  await new Promise((r) => ws.once("open", r));
  const buf = new Uint8Array(CHUNK);
  let left = size;
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (left > 0) {
        left -= CHUNK;
        if (ws.bufferedAmount > 4 * CHUNK) return void ws.send(buf, pump);
        ws.send(buf);
      }
      ws.send(new Uint8Array(0), () => resolve());
    };
    pump();
  });
  ws.close();
}

async function round(secure: boolean, viaFront: boolean, certDir: string, size: number): Promise<number> {
  const recv = Bun.spawn([process.execPath, import.meta.path, "--receiver", secure ? "wss" : "ws", viaFront ? "front" : "direct", certDir], { stdout: "pipe", stderr: "pipe" });
  const reader = recv.stderr.getReader();
  let text = "";
  while (!/port (\d+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const port = /port (\d+)/.exec(text)![1];
  const send = Bun.spawn([process.execPath, import.meta.path, "--sender", `${secure ? "wss" : "ws"}://127.0.0.1:${port}/`, String(size)], { stdout: "inherit", stderr: "inherit" });
  await send.exited;
  return Number((await new Response(recv.stdout).text()).trim());
}

const BONDCAT = join(import.meta.dir, "..", "bin", "bondcat.js");

/** One bonded session through the front or straight to the Bun.serve behind it: MB/s. */
async function bondedRound(secure: boolean, viaFront: boolean, size: number): Promise<number> {
  const scheme = secure ? "wss" : "ws";
  const rx = Bun.spawn(["sh", "-c", `exec '${process.execPath}' '${BONDCAT}' -l --listen ${scheme}://127.0.0.1:0/b > /dev/null`], { stderr: "pipe" });
  const reader = rx.stderr.getReader();
  let text = "";
  while (!/listening on \S+:(\d+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const publicPort = Number(/listening on \S+:(\d+)/.exec(text)![1]);
  let port = publicPort;
  if (!viaFront) {
    const ss = Bun.spawnSync(["ss", "-Hltnp"]).stdout.toString().split("\n").filter((l) => l.includes(`pid=${rx.pid},`));
    const ports = ss.map((l) => Number(/:(\d+)\s/.exec(l)?.[1])).filter((p) => p !== publicPort && p > 0);
    if (ports.length !== 1) throw new Error(`inner port not found: ${ss.join(" | ")}`);
    port = ports[0]!;
  }
  const t0 = performance.now();
  const tx = Bun.spawn(["sh", "-c", `head -c ${size} /dev/zero | '${process.execPath}' '${BONDCAT}' -a ${secure ? "--insecure" : ""} ${scheme}://127.0.0.1:${port}/b`], { stderr: "inherit" });
  await Promise.all([tx.exited, rx.exited]);
  return Math.round(size / ((performance.now() - t0) / 1000) / 1e6);
}

if (argv[0] === "--receiver") receiver(argv[1] === "wss", argv[2] === "front", argv[3]!);
else if (argv[0] === "--sender") await sender(argv[1]!, Number(argv[2]));
else {
  const size = Number(arg("--size", "512").replace(/M$/i, "")) * (1 << 20);
  const rounds = Number(arg("--rounds", "5"));
  const dir = mkdtempSync(join(tmpdir(), "ws-front-"));
  const { cert, key } = generateSelfSigned(["127.0.0.1"]);
  writeFileSync(join(dir, "c.pem"), cert);
  writeFileSync(join(dir, "k.pem"), key);
  const res: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++) {
    for (const secure of [false, true]) {
      for (const viaFront of [false, true]) {
        const k = `${secure ? "wss" : "ws"} ${viaFront ? "front" : "direct"}`;
        (res[k] ??= []).push(argv.includes("--bonded") ? await bondedRound(secure, viaFront, size) : await round(secure, viaFront, dir, size));
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
  const med = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
  console.log(`| transport | direct MB/s (median) | through the front | front / direct | rounds direct ; front |`);
  console.log(`|---|---:|---:|---:|---|`);
  for (const t of ["ws", "wss"]) {
    const d = res[`${t} direct`]!;
    const f = res[`${t} front`]!;
    console.log(`| ${t} | ${med(d)} | ${med(f)} | ${((100 * med(f)) / med(d)).toFixed(0)}% | ${d.join(", ")} ; ${f.join(", ")} |`);
  }
}
