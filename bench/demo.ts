/**
 * `npm start`: bondcat's main job on this machine, no setup. A listener and a client on loopback bond
 * four subflows (two direct, two through a small TCP forwarder that stands in for a second network
 * path), 64 MiB of random data flow through, the forwarded path goes silent half-way (it swallows
 * everything, nothing is reset — like a pulled cable), and the received bytes are checked with sha256.
 * Needs no root.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import type { Socket, TCPSocketListener } from "bun";

const ROOT = join(import.meta.dir, "..");
const CLI = join(ROOT, "bin", "bondcat.js");
const MiB = 1 << 20;
const TOTAL = 64 * MiB;
const say = (s: string) => process.stdout.write(`${s}\n`);

function spawnCli(args: string[], stdin: "pipe" | "ignore") {
  const p = Bun.spawn([process.execPath, CLI, ...args], { stdin, stdout: "pipe", stderr: "pipe" });
  let log = "";
  (async () => {
    for await (const c of p.stderr) log += new TextDecoder().decode(c);
  })();
  return { p, log: () => log };
}

/** A TCP forwarder standing in for a second network path; `silence()` makes it swallow everything. */
function forwarder(target: number): { server: TCPSocketListener<unknown>; silence(): number } {
  let silent = false;
  type Side = { peer: Socket<Side> | null; pending: Uint8Array[] };
  const live = new Set<Socket<Side>>();
  const server = Bun.listen<Side>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(client) {
        client.data = { peer: null, pending: [] };
        live.add(client);
        Bun.connect<Side>({
          hostname: "127.0.0.1",
          port: target,
          socket: {
            open(up) {
              up.data = { peer: client, pending: [] };
              client.data.peer = up;
              live.add(up);
              for (const b of client.data.pending) up.write(b);
            },
            data: (up, b) => void (silent || up.data.peer?.write(b)),
            close: (up) => void up.data.peer?.end(),
            error: () => {},
          },
        }).catch(() => client.end());
      },
      data(client, b) {
        if (silent) return;
        if (client.data.peer) client.data.peer.write(b);
        else client.data.pending.push(new Uint8Array(b));
      },
      close: (client) => void client.data.peer?.end(),
      error: () => {},
    },
  });
  return {
    server,
    silence() {
      silent = true;
      return live.size / 2;
    },
  };
}

say("bondcat demo: 64 MiB over 4 bonded subflows on loopback, one path goes silent half-way\n");
const data = new Uint8Array(TOTAL);
for (let i = 0; i < TOTAL; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
const want = createHash("sha256").update(data).digest("hex");

const listener = spawnCli(["-l", "-v"], "ignore");
let port = 0;
for (let i = 0; i < 500 && port === 0; i++) {
  port = Number(/listening on \S+:(\d+)/.exec(listener.log())?.[1] ?? 0);
  if (port === 0) await Bun.sleep(10);
}
if (port === 0) throw new Error(`listener did not start:\n${listener.log()}`);
const fwd = forwarder(port);
say(`  listener      bondcat -l            → port ${port}`);
say(`  second path   TCP forwarder         → port ${fwd.server.port} (forwards to ${port})`);
say(`  client        bondcat -x 2 127.0.0.1:${port} 127.0.0.1:${fwd.server.port}\n`);

const hasher = createHash("sha256");
let received = 0;
const reading = (async () => {
  for await (const c of listener.p.stdout) {
    hasher.update(c);
    received += c.length;
  }
})();

const t0 = performance.now();
const client = spawnCli(["-v", "-x", "2", `127.0.0.1:${port}`, `127.0.0.1:${fwd.server.port}`], "pipe");
const input = client.p.stdin as import("bun").FileSink;
let cutAt = -1;
for (let off = 0; off < TOTAL; off += MiB) {
  input.write(data.subarray(off, off + MiB));
  await input.flush();
  if (off >= TOTAL / 2 && cutAt < 0) {
    cutAt = off;
    const n = fwd.silence();
    say(`  ✂  the forwarded path goes silent at ${off / MiB} MiB sent (${n} subflows: data swallowed, nothing reset)`);
  }
  if (off < TOTAL / 2) await Bun.sleep(3); // pace the first half so every path carries data when it goes silent
}
await input.end();
const [cc, lc] = await Promise.all([client.p.exited, listener.p.exited]);
await reading;
const secs = (performance.now() - t0) / 1000;
fwd.server.stop(true);
const got = hasher.digest("hex");

const events = client.log().split("\n").filter((l) => /subflow (up|down)|in doubt|reinjected/.test(l));
say("\n  client log (subflow events):");
for (const e of events) say(`    ${e.replace(/^\[\w+\]\s*/, "")}`);
say("");
say(`  sent       ${TOTAL} bytes   sha256 ${want.slice(0, 16)}…`);
say(`  received   ${received} bytes   sha256 ${got.slice(0, 16)}…`);
say(`  time       ${secs.toFixed(2)} s (paced), exit codes client ${cc}, listener ${lc}`);
const ok = got === want && received === TOTAL && cc === 0 && lc === 0;
say(ok ? "\n  ✔ byte-identical despite the silent path" : "\n  ✘ MISMATCH");
process.exit(ok ? 0 : 1);
