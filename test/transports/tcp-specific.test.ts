/** TCP details the shared compliance suite cannot know: addresses, error codes, options. */
import { afterEach, describe, expect, test } from "bun:test";
import { ConfigError, TransportError } from "../../src/contract/errors.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import type { Listener } from "../../src/contract/transport.ts";
import { tcpTransport } from "../../transports/tcp.ts";
import { Recorder, within } from "../helpers/pipe-recorder.ts";

const tcp = tcpTransport();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(url: string, onPipe: (p: Pipe) => void = (p) => p.attach(new Recorder())): Promise<Listener> {
  const l = await tcp.listen(new URL(url), {}, onPipe);
  cleanups.push(() => l.close());
  return l;
}

async function pair(url: string, dialOpts = {}): Promise<{ client: Pipe; server: Pipe; listener: Listener }> {
  let accept!: (p: Pipe) => void;
  const accepted = new Promise<Pipe>((r) => (accept = r));
  const listener = await listen(url, (p) => accept(p));
  const client = await within(tcp.dial(listener.url, dialOpts), "dial");
  const server = await within(accepted, "accept");
  cleanups.push(() => client.abort(), () => server.abort());
  return { client, server, listener };
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    (v) => {
      (v as Pipe | undefined)?.abort?.();
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

async function canListenOn(host: string): Promise<boolean> {
  try {
    const l = Bun.listen({ hostname: host, port: 0, socket: { data() {} } });
    l.stop(true);
    return true;
  } catch {
    return false;
  }
}

describe("tcp transport", () => {
  test("declares its name and scheme", () => {
    expect(tcp.name).toBe("tcp");
    expect([...tcp.schemes]).toEqual(["tcp"]);
  });

  test("IPv4: listener URL has the real port; info shows both ends", async () => {
    const { client, server, listener } = await pair("tcp://127.0.0.1:0");
    expect(listener.port).toBeGreaterThan(0);
    expect(listener.url.href).toBe(`tcp://127.0.0.1:${listener.port}`);
    expect(client.info.transport).toBe("tcp");
    expect(client.info.remote).toBe(`127.0.0.1:${listener.port}`);
    expect(server.info.local).toBe(client.info.remote);
    expect(server.info.remote).toBe(client.info.local);
    expect(client.info.local).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  test("IPv6 literal hosts: brackets stripped for Bun, kept in URLs and info", async () => {
    if (!(await canListenOn("::1"))) {
      console.error("skip: ::1 is not available on this machine");
      return;
    }
    const { client, server, listener } = await pair("tcp://[::1]:0");
    expect(listener.url.href).toBe(`tcp://[::1]:${listener.port}`);
    expect(client.info.remote).toBe(`[::1]:${listener.port}`);
    expect(server.info.remote).toBe(client.info.local);
    expect(client.info.local).toMatch(/^\[::1\]:\d+$/);
  });

  test("listening on a port in use rejects with EADDRINUSE", async () => {
    const first = await listen("tcp://127.0.0.1:0");
    const err = await rejection(tcp.listen(new URL(`tcp://127.0.0.1:${first.port}`), {}, () => {}));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("EADDRINUSE");
  });

  test("an unresolvable host rejects with ENOTFOUND", async () => {
    const err = await rejection(tcp.dial(new URL("tcp://no-such-host.invalid:9"), {}));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("ENOTFOUND");
  });

  test("a URL without host or port is a ConfigError", async () => {
    const err = await rejection(tcp.dial(new URL("tcp://127.0.0.1"), {}));
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe("EBADURL");
  });

  test("localAddress binds the source address", async () => {
    const { client } = await pair("tcp://127.0.0.1:0", { localAddress: "127.0.0.1" });
    expect(client.info.local).toMatch(/^127\.0\.0\.1:\d+$/);
    // An address this host does not have fails at bind(): proof the option reaches the socket.
    const l = await listen("tcp://127.0.0.1:0");
    const err = await rejection(tcp.dial(l.url, { localAddress: "192.0.2.1" }));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("EADDRNOTAVAIL");
  });

  test("family 4 resolves a name to IPv4", async () => {
    const l = await listen("tcp://127.0.0.1:0");
    const client = await within(tcp.dial(new URL(`tcp://localhost:${l.port}`), { family: 4 }), "dial localhost");
    cleanups.push(() => client.abort());
    expect(client.info.remote).toBe(`127.0.0.1:${l.port}`);
  });

  test("a listen signal closes the listener", async () => {
    const ac = new AbortController();
    const l = await tcp.listen(new URL("tcp://127.0.0.1:0"), { signal: ac.signal }, () => {});
    cleanups.push(() => l.close());
    ac.abort();
    const err = await rejection(tcp.dial(l.url, {}));
    expect((err as TransportError).code).toBe("ECONNREFUSED");
  });

  test("write() after close() is ignored and returns false", async () => {
    const { client } = await pair("tcp://127.0.0.1:0");
    client.attach(new Recorder());
    client.close();
    expect(client.write(new Uint8Array(3))).toBe(false);
  });
});
