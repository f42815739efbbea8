/**
 * Loopback throughput per transport, bonded (two bondcat processes, `head -c SIZE /dev/zero | bondcat
 * URL` → `bondcat -l --listen URL | wc -c`) beside a raw single connection of the same transport
 * through the same pipes (`head -c SIZE /dev/zero | raw-sender` → `raw-receiver | wc -c`: a tiny Bun
 * pair in two processes reading stdin and writing stdout as bondcat does; Bun.connect/Bun.listen for tcp/tls, the `ws`
 * client and Bun.serve for ws/wss; for the mixed session, one raw connection of each of its
 * transports at once, a third of the bytes each, one sender and one receiver process, as bondcat).
 * One run, one markdown table on stdout.
 *
 *   bun bench/transports.ts [--size 1G] [--only tls,ws,wss,mixed,tcp]
 */
import { mkdtempSync, readFileSync, readSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { enlargePipe } from "../src/io/pipe-size.ts";
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
  process.stderr.write(`received ${total}\n`);
  process.exit(0);
}

/** Received bytes go to stdout (a pipe into `wc -c`), as bondcat's do. */
function output(d: Uint8Array): void {
  total += d.length;
  for (let pos = 0; pos < d.length; ) pos += writeSync(1, d, pos, d.length - pos);
}

async function rawReceivers(kind: string, certDir: string): Promise<void> {
  const kinds = (kind === "mixed" ? MIXED : [kind]) as Kind[];
  open = kinds.length;
  const ports: number[] = [];
  for (const k of kinds) ports.push(rawReceiver(k, certDir));
  process.stderr.write(`listening ${ports.join(",")}\n`);
}

function rawReceiver(kind: Kind, certDir: string): number {
  const done = closedOne;
  const tls = kind === "tls" || kind === "wss" ? { cert: readFileSync(join(certDir, "c.pem"), "utf8"), key: readFileSync(join(certDir, "k.pem"), "utf8") } : undefined;
  let port: number;
  if (kind === "tcp" || kind === "tls") {
    const l = Bun.listen({ hostname: "127.0.0.1", port: 0, ...(tls ? { tls } : {}), socket: { data: (_s, d) => output(d), close: done } });
    port = l.port;
  } else {
    const s = Bun.serve({
      hostname: "127.0.0.1", port: 0, ...(tls ? { tls } : {}),
      fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
      websocket: { perMessageDeflate: false, maxPayloadLength: 64 << 20, idleTimeout: 0, message: (_w, m) => output(m as Uint8Array), close: done },
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

/**
 * The raw sender reads its bytes from stdin and the raw receiver writes them to stdout, exactly like the
 * bondcat CLI it is compared with (blocking reads/writes, pipes enlarged to 1 MiB as bondcat does).
 */
function readInput(buf: Uint8Array): number {
  for (;;) {
    try {
      return readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EAGAIN") throw err;
    }
  }
}

async function rawSender(kind: Kind, port: number, size: number): Promise<void> {
  let sent = 0;
  const next = (): Uint8Array | null => {
    if (sent >= size) return null;
    const buf = new Uint8Array(Math.min(CHUNK, size - sent));
    const n = readInput(buf);
    if (n === 0) return null;
    sent += n;
    return buf.subarray(0, n);
  };
  if (kind === "tcp" || kind === "tls") {
    await new Promise<void>((resolve) => {
      let pending: Uint8Array | null = null;
      const pump = (s: import("bun").Socket<undefined>): void => {
        for (;;) {
          const buf = pending ?? next();
          if (!buf) {
            s.end();
            return resolve();
          }
          const n = s.write(buf);
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
      for (let buf = next(); buf !== null; buf = next()) {
        if (ws.bufferedAmount + buf.length > 4 * CHUNK) return void ws.send(buf, pump);
        ws.send(buf);
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
  const rx = Bun.spawn(["sh", "-c", `'${BUN}' '${SELF}' raw-receiver ${kind} '${certDir}' | wc -c`], { stdout: "pipe", stderr: "pipe" });
  const reader = rx.stderr.getReader();
  let text = "";
  while (!/listening ([\d,]+)\n/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
  const ports = /listening ([\d,]+)/.exec(text)?.[1] as string;
  const t0 = performance.now();
  const tx = Bun.spawn(["sh", "-c", `head -c ${size} /dev/zero | '${BUN}' '${SELF}' raw-sender ${kind} ${ports} ${size}`], { stdout: "inherit", stderr: "inherit" });
  await tx.exited;
  await rx.exited;
  const secs = (performance.now() - t0) / 1000;
  const got = Number((await new Response(rx.stdout).text()).trim());
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
  if (argv[0] === "raw-receiver") {
    enlargePipe(1);
    return rawReceivers(argv[1] as string, argv[2] as string);
  }
  if (argv[0] === "raw-sender") enlargePipe(0);
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
  console.log(`Loopback, ${gib} of zeros one way, bondcat CLI (stdin → stdout | wc -c) vs a raw single connection of the same transport through the same pipes (Bun sender/receiver pair, stdin → stdout | wc -c); MB/s = 10^6 bytes/s, wall time incl. process start.\n`);
  console.log("| session | bonded MB/s | raw single connection MB/s | bonded / raw |");
  console.log("|---|---:|---:|---:|");
  for (const r of rows) console.log(r);
}

await main(process.argv.slice(2));
