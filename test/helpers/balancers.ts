/**
 * Load balancers in front of a fleet of bondcat relays: the HAProxy and nginx configurations that
 * docs/DEPLOY.md documents (test/integration/deploy-docs.test.ts checks the document holds exactly
 * these texts), and starting the real programs on loopback with them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { binPath, type Proc, start } from "./procs.ts";

export interface Front {
  /** What the balancer binds, e.g. "127.0.0.1:8443" or ":443". */
  bind: string;
  /** Relay addresses "host:port". */
  relays: readonly string[];
  /** Health-check interval, e.g. "500ms" (tests) or "2s" (docs). */
  checkInter: string;
}

/** HAProxy in front of tcp:// relays (`tls`: HAProxy terminates TLS with this PEM, relays stay tcp://). */
export function haproxyTcp(f: Front & { tls?: string; proxyV1?: boolean }): string {
  const send = f.proxyV1 ? "send-proxy check-send-proxy" : "send-proxy-v2 check-send-proxy";
  return `global
    maxconn 4000

defaults
    mode tcp
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend bondcat
    bind ${f.bind}${f.tls ? ` ssl crt ${f.tls}` : ""}
    # Wait for the HELLO: the session id is at bytes 8..23 of every subflow (PROTOCOL.md 2.1).
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.len ge 24 }
    default_backend relays

backend relays
    balance leastconn
    # New sessions: least busy relay. Every later subflow of a session: the relay its first one got.
    stick-table type binary len 16 size 1m expire 2h
    stick on req.payload(8,16)
${f.relays.map((r, i) => `    server relay${i + 1} ${r} check inter ${f.checkInter} ${send}`).join("\n")}
`;
}

/**
 * HAProxy in front of ws:// relays: HTTP mode, consistent hash on the Bondcat-Session header, PROXY v2
 * to the relays (run with --proxy-protocol) so they see the client, not HAProxy.
 */
export function haproxyWs(f: Front & { tls?: string }): string {
  return `global
    maxconn 4000

defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h

frontend bondcat
    bind ${f.bind}${f.tls ? ` ssl crt ${f.tls}` : ""}
    default_backend relays

backend relays
    balance hdr(Bondcat-Session)
    hash-type consistent
    option httpchk GET /healthz
${f.relays.map((r, i) => `    server relay${i + 1} ${r} check inter ${f.checkInter} send-proxy-v2 check-send-proxy`).join("\n")}
`;
}

/** nginx in front of ws:// relays at `path` (`tls`: certificate and key files; nginx terminates wss://). */
export function nginxWs(f: { listen: string; relays: readonly string[]; path: string; tls?: { cert: string; key: string } }): string {
  return `upstream bondcat_relays {
    hash $http_bondcat_session consistent;
${f.relays.map((r) => `    server ${r} max_fails=1 fail_timeout=10s;`).join("\n")}
}

server {
    listen ${f.listen}${f.tls ? ` ssl;\n    ssl_certificate ${f.tls.cert};\n    ssl_certificate_key ${f.tls.key}` : ""};

${nginxLocation(f.path, "bondcat_relays")}
}
`;
}

/** The location block that forwards WebSocket upgrades at `path` to `upstream` (docs/TRANSPORTS.md, DEPLOY.md). */
export function nginxLocation(path: string, upstream: string): string {
  return `    location ${path} {
        proxy_pass http://${upstream};
        proxy_http_version 1.1;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection "upgrade";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_read_timeout 1h;
        proxy_send_timeout 1h;
        proxy_buffering off;
    }`;
}

/** A free loopback port (bound once and released; the caller binds it right away). */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function accepting(p: Proc, port: number): Promise<boolean> {
  for (let i = 0; i < 300; i++) {
    const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
    if (ok) return true;
    if (p.proc.exitCode !== null) break;
    await Bun.sleep(50);
  }
  p.kill();
  return false;
}

/** Start a balancer on a free loopback port (another if that one was taken meanwhile); resolves once it accepts. */
async function onFreePort(what: string, run: (port: number) => Proc): Promise<{ proc: Proc; port: number }> {
  let log = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = freePort();
    const proc = run(port);
    if (await accepting(proc, port)) return { proc, port };
    log = proc.log();
  }
  throw new Error(`${what} did not start:\n${log}`);
}

/** Run haproxy in the foreground with `config(bind)` (written to dir). */
export function startHaproxy(dir: string, config: (bind: string) => string): Promise<{ proc: Proc; port: number }> {
  const file = join(dir, "haproxy.cfg");
  return onFreePort("haproxy", (port) => {
    writeFileSync(file, config(`127.0.0.1:${port}`));
    return start([binPath("haproxy"), "-db", "-f", file], { cwd: dir });
  });
}

/** Run nginx (no daemon, one worker) with `server(listen)` inside an http block. */
export function startNginx(dir: string, server: (listen: string) => string): Promise<{ proc: Proc; port: number }> {
  const file = join(dir, "nginx.conf");
  return onFreePort("nginx", (port) => {
    writeFileSync(file, `worker_processes 1;
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
${server(`127.0.0.1:${port}`)}
}
`);
    return start([binPath("nginx"), "-p", dir, "-c", file], { cwd: dir });
  });
}
