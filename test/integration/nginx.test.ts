/**
 * Behind a reverse proxy: client wss:// → nginx (terminates TLS, forwards the WebSocket upgrade) →
 * bondcat ws:// listener. The nginx config is the one docs/TRANSPORTS.md documents.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSelfSigned } from "../../transports/self-signed.ts";
import { nginxLocation } from "../helpers/balancers.ts";
import { binPath, bondcat, listeningUrls, missing, type Proc, start, stopAll } from "../helpers/procs.ts";
import { randomFile, sha256File } from "../helpers/files.ts";

const dir = mkdtempSync(join(tmpdir(), "bondcat-nginx-"));
const reason = missing("nginx");
let nginx: Proc | undefined;
let backend: Proc | undefined;
let nginxPort = 0;
let fingerprint = "";

beforeAll(async () => {
  if (reason) return;
  chmodSync(dir, 0o777);
  const cert = generateSelfSigned();
  fingerprint = cert.fingerprint;
  writeFileSync(join(dir, "cert.pem"), cert.cert);
  writeFileSync(join(dir, "key.pem"), cert.key, { mode: 0o644 });
  mkdirSync(join(dir, "logs"), { mode: 0o777 });
  // The bondcat ws:// listener behind nginx: keep-open, so several tests can use it.
  backend = bondcat(["-l", "-k", "--listen", "ws://127.0.0.1:0/bond"], { stdout: join(dir, "backend.out") });
  const [url] = await listeningUrls(backend, 1);
  const upstream = new URL(url as string).host;
  for (let attempt = 0; attempt < 5 && !nginx; attempt++) {
    nginxPort = 20000 + Math.floor(Math.random() * 30000);
    writeFileSync(join(dir, "nginx.conf"), `
worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log info;
events { worker_connections 256; }
http {
  access_log ${dir}/logs/access.log;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${nginxPort} ssl;
    ssl_certificate ${dir}/cert.pem;
    ssl_certificate_key ${dir}/key.pem;
    ${nginxLocation("/bond", upstream)}
  }
}
`);
    const p = start([binPath("nginx"), "-p", dir, "-c", join(dir, "nginx.conf")], { cwd: dir });
    for (let i = 0; i < 200; i++) {
      const ok = await Bun.connect({ hostname: "127.0.0.1", port: nginxPort, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
      if (ok) {
        nginx = p;
        break;
      }
      if (p.proc.exitCode !== null) break;
      await Bun.sleep(50);
    }
    if (!nginx) p.kill();
  }
  if (!nginx) throw new Error("nginx did not start");
});

afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

test("wss:// client → nginx (TLS + WebSocket upgrade) → ws:// listener: bytes sha256-identical", async () => {
  if (reason || !nginx || !backend) return;
  const input = join(dir, "in");
  await randomFile(input, 32 << 20);
  const url = `wss://127.0.0.1:${nginxPort}/bond`;
  const client = bondcat(["-a", "-v", "-x", "2", "--pin", fingerprint, url], { stdin: "pipe" });
  // Both subflows join before the input goes in: on loopback 32 MiB can be through before the second does.
  await client.waitFor(/subflow up: wss:\/\/127\.0\.0\.1:\d+\/bond #2/, 20_000);
  await client.write(await Bun.file(input).bytes());
  await client.endInput();
  const code = await client.exited;
  if (code !== 0) console.error(client.log(), backend.log());
  expect(code).toBe(0);
  // The backend (keep-open) wrote the session's bytes to its stdout.
  for (let i = 0; i < 500 && (await Bun.file(join(dir, "backend.out")).size) < 32 << 20; i++) await Bun.sleep(20);
  expect(await sha256File(join(dir, "backend.out"))).toBe(await sha256File(input));
  const access = await Bun.file(join(dir, "logs", "access.log")).text();
  expect(access).toMatch(/"GET \/bond HTTP\/1\.1" 101/);
});
