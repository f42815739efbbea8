/**
 * Proxies: the pure parts (which proxy a URL uses, the CONNECT exchange), then a real tinyproxy on
 * loopback with Basic auth carrying ws:// and tls:// subflows of one session via CONNECT.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TransportError } from "../../src/contract/errors.ts";
import { connectRequest, parseConnectReply, redact, resolveProxy } from "../../transports/proxy.ts";
import { binPath, bondcat, listeningUrls, missing, type Proc, start, stopAll } from "../helpers/procs.ts";
import { randomFile, sha256File } from "../helpers/files.ts";

const ENV_NAMES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "TCP_PROXY", "http_proxy", "https_proxy", "all_proxy", "no_proxy", "tcp_proxy"];

describe("proxy selection and CONNECT", () => {
  const saved: Record<string, string | undefined> = {};
  beforeAll(() => {
    for (const k of ENV_NAMES) {
      saved[k] = process.env[k];
      delete process.env[k];
    }
  });
  afterAll(() => {
    for (const k of ENV_NAMES) if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  });

  test("environment: ws → HTTP_PROXY, wss/tls → HTTPS_PROXY, tcp → ALL_PROXY; NO_PROXY wins", () => {
    process.env.HTTP_PROXY = "http://h:1";
    process.env.HTTPS_PROXY = "http://s:2";
    process.env.ALL_PROXY = "http://a:3";
    expect(resolveProxy(new URL("ws://x.example:80/p"), undefined)?.host).toBe("h:1");
    expect(resolveProxy(new URL("wss://x.example/p"), undefined)?.host).toBe("s:2");
    expect(resolveProxy(new URL("tls://x.example:9443"), undefined)?.host).toBe("s:2");
    expect(resolveProxy(new URL("tcp://x.example:9000"), undefined)?.host).toBe("a:3");
    process.env.NO_PROXY = ".example,10.0.0.1";
    expect(resolveProxy(new URL("wss://x.example/p"), undefined)).toBeNull();
    expect(resolveProxy(new URL("tls://10.0.0.1:9443"), undefined)).toBeNull();
    expect(resolveProxy(new URL("tls://10.0.0.2:9443"), undefined)?.host).toBe("s:2");
    // Explicit: applies as given; null = never.
    expect(resolveProxy(new URL("tls://x.example:1"), "http://u:p@e:8")?.host).toBe("e:8");
    expect(resolveProxy(new URL("tls://x.example:1"), null)).toBeNull();
    for (const k of ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"]) delete process.env[k];
    expect(resolveProxy(new URL("tcp://x.example:9000"), undefined)).toBeNull();
  });

  test("CONNECT request with Basic credentials; IPv6 targets bracketed; credentials redacted", () => {
    const req = connectRequest(new URL("http://us%40r:p%3Ass@proxy:3128"), "::1", 9000);
    expect(req).toStartWith("CONNECT [::1]:9000 HTTP/1.1\r\nHost: [::1]:9000\r\n");
    expect(req).toContain(`Proxy-Authorization: Basic ${btoa("us@r:p:ss")}\r\n`);
    expect(req).toEndWith("\r\n\r\n");
    expect(redact(new URL("http://user:pw@proxy:3128"))).toBe("http://proxy:3128");
  });

  test("CONNECT reply parsing, at every split point", () => {
    const reply = new TextEncoder().encode("HTTP/1.0 200 Connection established\r\nProxy-agent: x\r\n\r\nXY");
    for (let cut = 0; cut < reply.length; cut++) {
      const head = parseConnectReply(reply.subarray(0, cut));
      if (cut < reply.length - 2) expect(head).toBeNull();
    }
    const r = parseConnectReply(reply);
    expect(r?.status).toBe(200);
    expect(new TextDecoder().decode(r?.rest)).toBe("XY");
    expect(parseConnectReply(new TextEncoder().encode("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"))?.status).toBe(407);
    expect(() => parseConnectReply(new TextEncoder().encode("SSH-2.0-x\r\n\r\n"))).toThrow(TransportError);
  });
});

describe("through tinyproxy", () => {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-proxy-"));
  let proxy: Proc | undefined;
  let port = 0;
  const reason = missing("tinyproxy");

  beforeAll(async () => {
    if (reason) return;
    chmodSync(dir, 0o777);
    for (let attempt = 0; attempt < 5 && !proxy; attempt++) {
      port = 20000 + Math.floor(Math.random() * 30000);
      writeFileSync(join(dir, "tinyproxy.conf"), [
        "User nobody", "Group nogroup", `Port ${port}`, "Listen 127.0.0.1", "Timeout 600", "LogLevel Connect",
        "MaxClients 64", "BasicAuth bond s3cret", "",
      ].join("\n"));
      const p = start([binPath("tinyproxy"), "-d", "-c", join(dir, "tinyproxy.conf")], { cwd: dir });
      try {
        await p.waitFor(/Initializing tinyproxy|listening|Reloading config file finished/i, 15_000);
        for (let i = 0; i < 100; i++) {
          const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
          if (ok) {
            proxy = p;
            break;
          }
          if (p.proc.exitCode !== null) break;
          await Bun.sleep(50);
        }
      } catch {
        p.kill();
      }
    }
    if (!proxy) throw new Error("tinyproxy did not start");
  });
  afterAll(async () => {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  });

  test("ws:// and tls:// subflows of one session via CONNECT with proxy auth", async () => {
    if (reason || !proxy) return;
    const input = join(dir, "in");
    const output = join(dir, "out");
    await randomFile(input, 24 << 20);
    const listener = bondcat(["-l", "--listen", "ws://127.0.0.1:0/bond", "--listen", "tls://127.0.0.1:0"], { stdout: output });
    const urls = await listeningUrls(listener, 2);
    const client = bondcat(["-a", "-v", "--insecure", "--proxy", `http://bond:s3cret@127.0.0.1:${port}`, ...urls], { stdin: "pipe" });
    // Both subflows join the session before the input goes in (on loopback it could be through before
    // the second one joined, and the listener's session gone).
    await client.waitFor(/subflow up: ws:\/\//, 20_000);
    await client.waitFor(/subflow up: tls:\/\//, 20_000);
    await client.write(await Bun.file(input).bytes());
    await client.endInput();
    const [cc, lc] = await Promise.all([client.exited, listener.exited]);
    if (cc !== 0) console.error(client.log());
    expect(cc).toBe(0);
    expect(lc).toBe(0);
    expect(await sha256File(output)).toBe(await sha256File(input));
    const log = proxy.log();
    for (const u of urls) expect(log).toContain(`CONNECT 127.0.0.1:${new URL(u).port} HTTP/1.1`);
  });

  test("the environment (HTTP_PROXY for ws, HTTPS_PROXY for tls) is honoured, and NO_PROXY bypasses", async () => {
    if (reason || !proxy) return;
    const listener = bondcat(["-l", "--listen", "ws://127.0.0.1:0/env", "--listen", "tls://127.0.0.1:0"]);
    const urls = await listeningUrls(listener, 2);
    const before = proxy.log().length;
    const env = { HTTP_PROXY: `http://bond:s3cret@127.0.0.1:${port}`, HTTPS_PROXY: `http://bond:s3cret@127.0.0.1:${port}`, NO_PROXY: "" };
    const client = bondcat(["-a", "--insecure", ...urls], { env });
    expect(await client.exited).toBe(0);
    expect(await listener.exited).toBe(0);
    const log = proxy.log().slice(before);
    for (const u of urls) expect(log).toContain(`CONNECT 127.0.0.1:${new URL(u).port}`);

    const direct = bondcat(["-l", "--listen", "tls://127.0.0.1:0"]);
    const [durl] = await listeningUrls(direct, 1);
    const mark = proxy.log().length;
    const c2 = bondcat(["-a", "--insecure", durl as string], { env: { ...env, NO_PROXY: "127.0.0.1" } });
    expect(await c2.exited).toBe(0);
    expect(await direct.exited).toBe(0);
    expect(proxy.log().slice(mark)).not.toContain(`CONNECT 127.0.0.1:${new URL(durl as string).port}`);
  });

  test("wrong proxy credentials fail with a clear authentication error", async () => {
    if (reason || !proxy) return;
    const listener = bondcat(["-l", "--listen", "ws://127.0.0.1:0/x", "--listen", "tls://127.0.0.1:0"]);
    const urls = await listeningUrls(listener, 2);
    for (const u of urls) {
      const client = bondcat(["-a", "--insecure", "--proxy", `http://bond:wrong@127.0.0.1:${port}`, u]);
      expect(await client.exited).not.toBe(0);
      expect(client.log()).toMatch(/\b40[17]\b/);
      expect(client.log()).toMatch(/proxy authentication failed/);
    }
    listener.kill();
  });
});
