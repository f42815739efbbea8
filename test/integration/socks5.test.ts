/**
 * SOCKS5 proxies: the wire bytes of the client (RFC 1928), then real servers on loopback — microsocks
 * without and with user/password auth, and OpenSSH's `ssh -D` — carrying tcp://, tls://, ws:// and
 * wss:// subflows of one session (from --proxy and from ALL_PROXY; socks5:// resolving here,
 * socks5h:// at the proxy). Wrong credentials fail with the proxy's reply named.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { socksBridge } from "../../transports/socks-bridge.ts";
import { socksConnectRequest, socksReplyLength } from "../../transports/socks5.ts";
import { binPath, bondcat, listeningUrls, missing, type Proc, start, stopAll } from "../helpers/procs.ts";
import { randomFile, sha256File } from "../helpers/files.ts";
import { type Sshd, sshUnavailable, startSshd } from "../helpers/sshd.ts";

describe("SOCKS5 client bytes", () => {
  test("CONNECT requests: IPv4, IPv6, a name", () => {
    expect([...socksConnectRequest("198.18.0.2", 9000)]).toEqual([5, 1, 0, 1, 198, 18, 0, 2, 0x23, 0x28]);
    expect([...socksConnectRequest("fdbc:1::2", 443)]).toEqual([5, 1, 0, 4, 0xfd, 0xbc, 0, 1, ...Array(11).fill(0), 2, 1, 0xbb]);
    expect([...socksConnectRequest("::ffff:198.18.0.2", 1)]).toEqual([5, 1, 0, 4, ...Array(10).fill(0), 0xff, 0xff, 198, 18, 0, 2, 0, 1]);
    expect([...socksConnectRequest("bond.test", 80)]).toEqual([5, 1, 0, 3, 9, ...new TextEncoder().encode("bond.test"), 0, 80]);
  });

  test("reply length, at every split point", () => {
    const replies = [
      Uint8Array.of(5, 0, 0, 1, 127, 0, 0, 1, 0x1f, 0x90),
      Uint8Array.of(5, 0, 0, 4, ...Array(16).fill(0), 0, 1),
      Uint8Array.of(5, 0, 0, 3, 4, 104, 111, 115, 116, 0, 1),
    ];
    for (const r of replies) {
      for (let cut = 0; cut < r.length; cut++) expect(socksReplyLength(r.subarray(0, cut))).toBe(0);
      expect(socksReplyLength(Uint8Array.of(...r, 9, 9))).toBe(r.length);
    }
    expect(() => socksReplyLength(Uint8Array.of(5, 0, 0, 7, 0, 0))).toThrow(/address type 7/);
  });
});

/** Start a SOCKS5 server that listens on a free port `argv(port)`, waiting until it accepts. */
async function startProxy(argv: (port: number) => string[]): Promise<{ proc: Proc; port: number }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 30000);
    const proc = start(argv(port));
    for (let i = 0; i < 100; i++) {
      const ok = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } }).then((s) => (s.end(), true), () => false);
      if (ok) return { proc, port };
      if (proc.proc.exitCode !== null) break;
      await Bun.sleep(50);
    }
    proc.kill();
  }
  throw new Error(`${argv(0)[0]} did not start`);
}

const dir = mkdtempSync(join(tmpdir(), "bondcat-socks-"));
let input = "";
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});
beforeAll(async () => {
  input = join(dir, "in");
  await randomFile(input, 16 << 20);
});

/** One session with a subflow per transport through `proxy` (or ALL_PROXY in `env`); returns the client. */
async function bonded(name: string, transports: string[], args: string[], env?: Record<string, string>): Promise<Proc> {
  const output = join(dir, `${name}.out`);
  const listens = transports.flatMap((t) => ["--listen", `${t}://127.0.0.1:0${t.startsWith("ws") ? "/bond" : ""}`]);
  const listener = bondcat(["-l", ...listens], { stdout: output });
  const urls = await listeningUrls(listener, transports.length);
  // Endpoints by name: socks5:// resolves it here, socks5h:// at the proxy.
  const named = urls.map((u) => u.replace("127.0.0.1", "localhost"));
  // The input goes in once every transport's subflow is up: 16 MiB on loopback can be through before a
  // slow one (wss through the proxy) joins, and the listener's session is then gone.
  const client = bondcat(["-a", "-v", "--insecure", ...args, ...named], { stdin: "pipe", ...(env ? { env } : {}) });
  for (const t of transports) await client.waitFor(new RegExp(`subflow up: ${t}://`), 20_000);
  await client.write(await Bun.file(input).bytes());
  await client.endInput();
  const [cc, lc] = await Promise.all([client.exited, listener.exited]);
  if (cc !== 0) console.error(client.log());
  expect([cc, lc]).toEqual([0, 0]);
  expect(await sha256File(output)).toBe(await sha256File(input));
  return client;
}

describe("through microsocks", () => {
  const reason = missing("microsocks");
  let open = 0;
  let authed = 0;
  beforeAll(async () => {
    if (reason) return;
    open = (await startProxy((p) => [binPath("microsocks"), "-i", "127.0.0.1", "-p", String(p)])).port;
    authed = (await startProxy((p) => [binPath("microsocks"), "-i", "127.0.0.1", "-p", String(p), "-u", "bond", "-P", "s3cret"])).port;
  });

  test.skipIf(reason !== null)("tcp://, tls://, ws:// and wss:// subflows of one session, resolved here (socks5://)", async () => {
    await bonded("all", ["tcp", "tls", "ws", "wss"], ["--proxy", `socks5://127.0.0.1:${open}`]);
  }, 30_000);

  test.skipIf(reason !== null)("with user/password, resolved at the proxy (socks5h://), from ALL_PROXY", async () => {
    const c = await bonded("auth", ["tcp", "ws"], [], { ALL_PROXY: `socks5h://bond:s3cret@127.0.0.1:${authed}`, NO_PROXY: "" });
    expect(c.log()).toContain(`via socks5h://127.0.0.1:${authed}`);
  }, 30_000);

  test.skipIf(reason !== null)("wrong credentials, or none: a clear error naming the proxy's answer, exit 3", async () => {
    const listener = bondcat(["-l", "--listen", "tcp://127.0.0.1:0", "--listen", "ws://127.0.0.1:0/x"]);
    const urls = await listeningUrls(listener, 2);
    for (const u of urls) {
      const wrong = bondcat(["-a", "--proxy", `socks5://bond:wrong@127.0.0.1:${authed}`, u]);
      expect(await wrong.exited).toBe(3);
      expect(wrong.log()).toContain(`SOCKS5 proxy socks5://127.0.0.1:${authed}: CONNECT 127.0.0.1:${new URL(u).port} refused: authentication failed (wrong user or password`);
      expect(wrong.log()).not.toContain("wrong@");
      const none = bondcat(["-a", "--proxy", `socks5://127.0.0.1:${authed}`, u]);
      expect(await none.exited).toBe(3);
      expect(none.log()).toContain("refused: the proxy requires authentication");
    }
    listener.kill();
  }, 30_000);

  test.skipIf(reason !== null)("the loopback CONNECT endpoint lent to the WebSocket client wants its token", async () => {
    const echo = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data: (s, d) => void s.write(d) } });
    const bridge = await socksBridge(new URL(`socks5://127.0.0.1:${open}`), "127.0.0.1", echo.port, { timeoutMs: 5000 }, "test");
    const url = new URL(bridge.url);
    const ask = (auth: string) =>
      new Promise<string>((resolve) => {
        let got = "";
        void Bun.connect({
          hostname: "127.0.0.1",
          port: Number(url.port),
          socket: {
            open: (s) => void s.write(`CONNECT 127.0.0.1:${echo.port} HTTP/1.1\r\n${auth}\r\n`),
            data: (s, d) => {
              got += d.toString();
              const ok = got.startsWith("HTTP/1.1 200");
              if (ok && got.endsWith("\r\n\r\n")) s.write("ping"); // through the tunnel to the echo server
              else if (got.includes("\r\n\r\n") && (!ok || got.endsWith("ping"))) resolve(got);
            },
            close: () => resolve(got),
          },
        });
      });
    expect(await ask("")).toStartWith("HTTP/1.1 407");
    expect(await ask(`Proxy-Authorization: Basic ${btoa("bondcat:wrong")}\r\n`)).toStartWith("HTTP/1.1 407");
    const token = decodeURIComponent(url.password);
    expect(await ask(`Proxy-Authorization: Basic ${btoa(`bondcat:${token}`)}\r\n`)).toBe("HTTP/1.1 200 Connection established\r\n\r\nping");
    bridge.close();
    echo.stop(true);
  }, 30_000);

  test.skipIf(reason !== null)("a target the proxy cannot reach: its reply is named", async () => {
    const c = bondcat(["-a", "--proxy", `socks5://127.0.0.1:${open}`, "tcp://127.0.0.1:1"]);
    expect(await c.exited).toBe(3);
    expect(c.log()).toMatch(/CONNECT 127\.0\.0\.1:1 refused: (connection refused|general SOCKS server failure|host unreachable)/);
  }, 30_000);
});

describe("through ssh -D", () => {
  const reason = sshUnavailable();
  if (reason) console.warn(`skipping ssh -D tests: ${reason}`);
  let sshd: Sshd | undefined;
  let port = 0;
  beforeAll(async () => {
    if (reason) return;
    sshd = await startSshd(mkdtempSync(join(dir, "sshd-")), { forwarding: true });
    const s = sshd;
    ({ port } = await startProxy((p) => ["ssh", ...s.options("none"), "-N", "-o", "ExitOnForwardFailure=yes", "-D", `127.0.0.1:${p}`, "-p", String(s.port), `${s.user}@127.0.0.1`]));
  }, 30_000);
  afterAll(async () => sshd?.stop());

  test.skipIf(reason !== null)("tcp:// and ws:// subflows of one session", async () => {
    await bonded("ssh", ["tcp", "ws"], ["--proxy", `socks5h://127.0.0.1:${port}`]);
  }, 30_000);
});
