/**
 * Loopback throughput per transport, bonded (two bondcat processes, `head -c SIZE /dev/zero | bondcat
 * URL` → `bondcat -l --listen URL | wc -c`) beside a raw single connection of the same transport
 * (a tiny Bun sender/receiver pair in two processes: Bun.connect/Bun.listen for tcp/tls, the `ws`
 * client and Bun.serve for ws/wss; for the mixed session, one raw connection of each of its
 * transports at once, a third of the bytes each, one sender and one receiver process, as bondcat).
 * One run, one markdown table on stdout.
 *
 *   bun bench/transports.ts [--size 1G] [--only tls,ws,wss,mixed,tcp]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import { generateSelfSigned } from "../transports/self-signed.ts";

const ROOT = join(import.meta.dir, "..");
const BUN = process.execPath;
const SELF = join(ROOT, "bench", "transports.ts");
const BONDCAT = join(ROOT, "bin", "bondcat.js");
const CHUNK = 1 << 20;
/** The transports of the mixed session, in both the bonded and the raw run. */
const MIXED = ["tcp", "tls", "wss"] as const;

type Kind = "tcp" | "tls" | "ws" | "wss";

// ---------------------------------------------------------------- raw receiver / sender (child processes)

let total = 0;
let open = 0;
function closedOne(): void {
  if (--open > 0) return;
  process.stdout.write(`received ${total}\n`);
  process.exit(0);
}

async function rawReceivers(kind: string, certDir: string): Promise<void> {
  const kinds = (kind === "mixed" ? MIXED : [kind]) as Kind[];
  open = kinds.length;
  const ports: number[] = [];
  for (const k of kinds) ports.push(rawReceiver(k, certDir));
  process.stdout.write(`listening ${ports.join(",")}\n`);
}

function rawReceiver(kind: Kind, certDir: string): number {
  const done = closedOne;
  const tls = kind === "tls" || kind === "wss" ? { cert: readFileSync(join(certDir, "c.pem"), "utf8"), key: readFileSync(join(certDir, "k.pem"), "utf8") } : undefined;
  let port: number;
  if (kind === "tcp" || kind === "tls") {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, ...(tls ? { tls } : {}), socket: { data: (_s, d) => void (total += d.length), close: done } });
    port = l.port;
  } else {
    const s = Bun.serve({
      hostname: "127.0.0.1", port: 0, ...(tls ? { tls } : {}),
      fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
      websocket: { perMessageDeflate: false, maxPayloadLength: 64 << 20, idleTimeout: 0, message: (_w, m) => void (total += m.length), close: done },
    });
    port = s.port as number;
  }
  return port;
}

async function rawSenders(kind: string, ports: number[], size: number): Promise<void> {
  const kinds = (kind === "mixed" ? MIXED : [kind]) as Kind[];
  const share = Math.floor(size / kinds.length);
  await Promise.all(kinds.map((k, i) => rawSender(k, ports[i] as number, i === kinds.length - 1 ? size - share * i : share)));
}

async function rawSender(kind: Kind, port: number, size: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK);
  let sent = 0;
  if (kind === "tcp" || kind === "tls") {
    await new Promise<void>((resolve) => {
      let pending: Uint8Array | null = null;
      const pump = (s: import("bun").Socket<undefined>): void => {
        for (;;) {
          const buf = pending ?? (sent < size ? chunk.subarray(0, Math.min(CHUNK, size - sent)) : null);
          if (!buf) {
            s.end();
            return resolve();
          }
          const n = s.write(buf);
          if (!pending) sent += buf.length;
          if (n < buf.length) {
            pending = buf.subarray(Math.max(n, 0));
            return;
          }
          pending = null;
        }
      };
      void Bun.connect({ hostname: "127.0.0.1", port, ...(kind === "tls" ? { tls: { rejectUnauthorized: false } } : {}), socket: { open: pump, drain: pump, data() {} } });
    });
    return;
  }
  const ws = new WebSocket(`${kind}://127.0.0.1:${port}/`, { perMessageDeflate: false, tls: { rejectUnauthorized: false } });
  await new Promise((r) => ws.once("open", r));
  await new Promise<void>((resolve) => {
    const pump = (): void => {
      while (sent < size) {
        const n = Math.min(CHUNK, size - sent);
        sent += n;
        if (ws.bufferedAmount + n > 4 * CHUNK) return void ws.send(chunk.subarray(0, n), pump);
        ws.send(chunk.subarray(0, n));
      }
      ws.send(new Uint8Array(0), () => resolve());
    };
    pump();
  });
  ws.close();
}

// ---------------------------------------------------------------- orchestration

async function lines(stream: ReadableStream<Uint8Array>, re: RegExp): Promise<RegExpMatchArray> {
  let text = "";
  for await (const c of stream) {
    text += new TextDecoder().decode(c);
    const m = text.match(re);
    if (m) return m;
  }
  throw new Error(`no ${re} in ${text}`);
}

async function raw(kind: string, size: number, certDir: string): Promise<number> {
  const rx = Bun.spawn([BUN, SELF, "raw-receiver", kind, certDir], { stdout: "pipe", stderr: "inherit" });
  const reader = rx.stdout.getReader();
  let text = "";
  while (!/listening ([\d,]+)\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const ports = /listening ([\d,]+)/.exec(text)?.[1] as string;
  const t0 = performance.now();
  const tx = Bun.spawn([BUN, SELF, "raw-sender", kind, ports, String(size)], { stdout: "inherit", stderr: "inherit" });
  await tx.exited;
  for (;;) {
    const { value, done } = await reader.read();
    if (value) text += new TextDecoder().decode(value);
    if (done || /received (\d+)/.test(text)) break;
  }
  await rx.exited;
  const secs = (performance.now() - t0) / 1000;
  const got = Number(/received (\d+)/.exec(text)?.[1]);
  if (got !== size) throw new Error(`raw ${kind}: received ${got} of ${size}`);
  return size / secs;
}

async function bonded(listen: string[], size: number, dir: string): Promise<number> {
  const countFile = join(dir, "count");
  const errFile = join(dir, "listener.err");
  writeFileSync(errFile, "");
  const args = listen.flatMap((u) => ["--listen", u]).join(" ");
  const rx = Bun.spawn(["sh", "-c", `'${BUN}' '${BONDCAT}' -l ${args} 2>'${errFile}' | wc -c > '${countFile}'`]);
  let log = "";
  for (let i = 0; i < 500 && (log.match(/listening on/g)?.length ?? 0) < listen.length; i++) {
    await Bun.sleep(20);
    log = readFileSync(errFile, "utf8");
  }
  const urls = [...log.matchAll(/listening on (\S+)/g)].map((m) => m[1] as string);
  const pin = /sha256:[0-9a-f]{64}/.exec(log)?.[0];
  const t0 = performance.now();
  const tx = Bun.spawn(["sh", "-c", `head -c ${size} /dev/zero | '${BUN}' '${BONDCAT}' -a ${pin ? `--pin ${pin}` : ""} ${urls.join(" ")}`], { stderr: "inherit" });
  const [cc] = await Promise.all([tx.exited, rx.exited]);
  const secs = (performance.now() - t0) / 1000;
  const got = Number(readFileSync(countFile, "utf8").trim());
  if (cc !== 0 || got !== size) throw new Error(`bonded ${urls.join(" ")}: exit ${cc}, ${got} of ${size} bytes\n${readFileSync(errFile, "utf8")}`);
  return size / secs;
}

function parseSize(s: string): number {
  const m = /^(\d+)([KMG]?)$/i.exec(s);
  if (!m) throw new Error(`bad size ${s}`);
  return Number(m[1]) * { "": 1, K: 1024, M: 1 << 20, G: 1 << 30 }[(m[2] ?? "").toUpperCase() as "" | "K" | "M" | "G"];
}

async function main(argv: string[]): Promise<void> {
  if (argv[0] === "raw-receiver") return rawReceivers(argv[1] as string, argv[2] as string);
  if (argv[0] === "raw-sender") return rawSenders(argv[1] as string, (argv[2] as string).split(",").map(Number), Number(argv[3]));
  const sizeArg = argv.indexOf("--size");
  const size = parseSize(sizeArg >= 0 ? (argv[sizeArg + 1] as string) : "1G");
  const onlyArg = argv.indexOf("--only");
  const only = new Set((onlyArg >= 0 ? (argv[onlyArg + 1] as string) : "tcp,tls,ws,wss,mixed").split(","));
  const dir = mkdtempSync(join(tmpdir(), "bondcat-bench-"));
  const cert = generateSelfSigned();
  writeFileSync(join(dir, "c.pem"), cert.cert);
  writeFileSync(join(dir, "k.pem"), cert.key);
  const rows: string[] = [];
  const mb = (bps: number) => (bps / 1e6).toFixed(0);
  const cases: Array<[string, string[], string]> = [
    ["tcp", ["tcp://127.0.0.1:0"], "tcp"],
    ["tls", ["tls://127.0.0.1:0"], "tls"],
    ["ws", ["ws://127.0.0.1:0/bond"], "ws"],
    ["wss", ["wss://127.0.0.1:0/bond"], "wss"],
    ["mixed", ["tcp://127.0.0.1:0", "tls://127.0.0.1:0", "wss://127.0.0.1:0/bond"], "mixed"],
  ];
  try {
    for (const [name, listen, rawKind] of cases) {
      if (!only.has(name)) continue;
      const r = await raw(rawKind, size, dir);
      const b = await bonded(listen, size, dir);
      const label = name === "mixed" ? "mixed (tcp + tls + wss, 1 subflow each)" : `${name} only (1 subflow)`;
      const rawLabel = rawKind === "mixed" ? "tcp + tls + wss, ⅓ each, one process" : rawKind;
      rows.push(`| ${label} | ${mb(b)} | ${rawLabel}: ${mb(r)} | ${((100 * b) / r).toFixed(0)}% |`);
      process.stderr.write(`${label}: bonded ${mb(b)} MB/s, raw ${rawKind} ${mb(r)} MB/s\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const gib = size >= 1 << 30 ? `${size / (1 << 30)} GiB` : `${size / (1 << 20)} MiB`;
  console.log(`Loopback, ${gib} of zeros one way, bondcat CLI (stdin → stdout | wc -c) vs a raw single connection of the same transport (Bun sender/receiver pair); MB/s = 10^6 bytes/s, wall time incl. process start.\n`);
  console.log("| session | bonded MB/s | raw single connection MB/s | bonded / raw |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(r);
}

await main(process.argv.slice(2));
