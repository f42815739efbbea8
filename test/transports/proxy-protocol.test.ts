/**
 * `--proxy-protocol` on tcp:// listeners: the client named by a v1/v2 header becomes the pipe's
 * remote address; a malformed, late or missing header drops that connection only (reported to
 * `rejected`); configuration refuses it where it cannot work.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { parseArgs } from "../../src/cli/args.ts";
import { ConfigError, TransportError } from "../../src/contract/errors.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import { tcpTransport } from "../../transports/tcp.ts";
import { wsTransport } from "../../transports/ws.ts";
import { ProxyHeaderSink } from "../../transports/proxy-accept.ts";
import { tlsTransport } from "../../transports/tls.ts";
import net from "node:net";
import tls from "node:tls";
import type { SinkSocket } from "../../transports/socket-pipe.ts";
import { Recorder } from "../helpers/pipe-recorder.ts";

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listener() {
  const pipes: Array<{ pipe: Pipe; rec: Recorder }> = [];
  const rejected: Array<{ remote: string; err: Error }> = [];
  const l = await tcpTransport().listen(new URL("tcp://127.0.0.1:0"), { proxyProtocol: true, rejected: (remote, err) => rejected.push({ remote, err }) }, (pipe) => {
    const rec = new Recorder();
    pipe.attach(rec);
    pipes.push({ pipe, rec });
    cleanups.push(() => pipe.abort());
  });
  cleanups.push(() => l.close());
  return { port: l.port, pipes, rejected };
}

async function send(port: number, ...chunks: (string | Uint8Array)[]): Promise<void> {
  const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
  cleanups.push(() => s.end());
  for (const c of chunks) {
    s.write(c);
    await Bun.sleep(5);
  }
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await Bun.sleep(10);
};

describe("tcp listener with proxyProtocol", () => {
  test("v1 and v2 headers (split anywhere): the pipe's remote is the client, the balancer kept in details", async () => {
    const { port, pipes } = await listener();
    await send(port, "PROXY TCP4 198.18.0.7 198.18.0.1 ", "50000 443\r\nhel", "lo");
    const v2 = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x21, 0, 36,
      0xfd, 0xbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0xfd, 0xbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x9c, 0x40, 0, 80]);
    await send(port, v2.subarray(0, 10), new Uint8Array([...v2.subarray(10), 0x42]));
    await until(() => pipes.length === 2 && pipes[0]!.rec.bytes === 5 && pipes[1]!.rec.bytes === 1);
    expect(pipes.map((p) => p.pipe.info.remote)).toEqual(["198.18.0.7:50000", "[fdbc::9]:40000"]);
    expect(pipes[0]!.pipe.info.details?.balancer).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(pipes[0]!.rec.text()).toBe("hello");
  });

  test("garbage, a header cut by close, and an empty connection: dropped and reported, no pipe", async () => {
    const { port, pipes, rejected } = await listener();
    await send(port, "BNDC\x01\x01");
    await send(port, "PROXY TCP4 198.18.0.7");
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    cleanups.push(() => s.end());
    const cut = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    cut.write("PROXY TCP4 198.18.0.7");
    await Bun.sleep(20);
    cut.end();
    await until(() => rejected.length === 3);
    const codes = rejected.map((r) => (r.err as TransportError).code).sort();
    expect(codes).toEqual(["EEMPTY", "EPROXYHEADER", "EPROXYHEADER"]);
    expect(pipes.length).toBe(0);
  });

  test("a header that does not complete in time is dropped", async () => {
    let terminated = false;
    const errs: Error[] = [];
    const sock = { terminate: () => (terminated = true), remoteAddress: "127.0.0.1", remotePort: 9 } as unknown as SinkSocket;
    const sink = new ProxyHeaderSink(sock, () => errs.push(new Error("handed on")), (from, e) => errs.push(e, new Error(from)), 30);
    sink.onData(new TextEncoder().encode("PROXY TCP4 "));
    await Bun.sleep(80);
    expect(terminated).toBe(true);
    expect((errs[0] as TransportError).code).toBe("ETIMEDOUT");
    expect(errs[1]?.message).toBe("127.0.0.1:9");
    expect(errs.length).toBe(2);
  });

  test("configuration: a listen-mode flag, refused in connect mode", () => {
    const err = (argv: string[]) => {
      try {
        parseArgs(argv, {});
      } catch (e) {
        return e as ConfigError;
      }
      throw new Error("accepted");
    };
    expect(err(["--proxy-protocol", "127.0.0.1:9"]).code).toBe("ECONFLICT");
    const ok = parseArgs(["-l", "--proxy-protocol", "--listen", "ws://127.0.0.1:0/b", "--listen", "tls://127.0.0.1:0"], {});
    expect(ok.kind === "run" && ok.config.proxyProtocol).toBe(true);
  });
});

/** Connect, send `header`, then hand the socket to `speak` (node:net, so node:tls can run over it). */
function withHeader(port: number, header: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, "127.0.0.1", () => {
      s.write(header);
      resolve(s);
    });
    s.on("error", reject);
    cleanups.push(() => s.destroy());
  });
}

describe("ws, wss and tls listeners with proxyProtocol (behind a front that reads the header)", () => {
  const header = "PROXY TCP4 198.18.0.9 198.18.0.1 40001 443\r\n";

  test("ws and wss: the upgraded pipe's remote is the client, the balancer kept in details", async () => {
    for (const scheme of ["ws", "wss"] as const) {
      const pipes: Pipe[] = [];
      const l = await wsTransport().listen(new URL(`${scheme}://127.0.0.1:0/b`), { proxyProtocol: true }, (p) => {
        pipes.push(p);
        cleanups.push(() => p.abort());
      });
      cleanups.push(() => l.close());
      const raw = await withHeader(l.port, header);
      const s = scheme === "wss" ? tls.connect({ socket: raw, rejectUnauthorized: false }) : raw;
      cleanups.push(() => s.destroy());
      let reply = "";
      s.on("data", (d: Buffer) => (reply += d.toString("latin1")));
      s.write("GET /b HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
      await until(() => pipes.length === 1 && reply.includes("\r\n\r\n"));
      expect(reply).toStartWith("HTTP/1.1 101");
      expect(pipes[0]!.info.remote).toBe("198.18.0.9:40001");
      expect(pipes[0]!.info.details?.balancer).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(l.url.port).toBe(String(l.port));
    }
  });

  test("tls: the TLS handshake runs after the header; the pipe's remote is the client", async () => {
    const pipes: Array<{ pipe: Pipe; rec: Recorder }> = [];
    const l = await tlsTransport().listen(new URL("tls://127.0.0.1:0"), { proxyProtocol: true }, (pipe) => {
      const rec = new Recorder();
      pipe.attach(rec);
      pipes.push({ pipe, rec });
      cleanups.push(() => pipe.abort());
    });
    cleanups.push(() => l.close());
    const raw = await withHeader(l.port, header);
    const s = tls.connect({ socket: raw, rejectUnauthorized: false }, () => s.write("hello"));
    cleanups.push(() => s.destroy());
    await until(() => pipes.length === 1 && pipes[0]!.rec.bytes === 5);
    expect(pipes[0]!.pipe.info.remote).toBe("198.18.0.9:40001");
    expect(pipes[0]!.pipe.info.local).toBe(`127.0.0.1:${l.port}`);
    expect(pipes[0]!.rec.text()).toBe("hello");
  });

  test("a malformed header on a ws listener: dropped and reported, nothing reaches the server", async () => {
    const rejected: Error[] = [];
    const pipes: Pipe[] = [];
    const l = await wsTransport().listen(new URL("ws://127.0.0.1:0/b"), { proxyProtocol: true, rejected: (_r, e) => rejected.push(e) }, (p) => pipes.push(p));
    cleanups.push(() => l.close());
    await send(l.port, "GET /healthz HTTP/1.0\r\n\r\n");
    await until(() => rejected.length === 1);
    expect((rejected[0] as TransportError).code).toBe("EPROXYHEADER");
    expect(pipes.length).toBe(0);
  });

});
