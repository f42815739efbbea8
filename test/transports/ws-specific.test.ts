/** WebSocket details beyond the compliance suite: paths, headers, pins, client certificates, framing rules. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { TransportError } from "../../src/contract/errors.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import type { DialOptions, ListenOptions } from "../../src/contract/transport.ts";
import { wsTransport } from "../../transports/ws.ts";
import { makePki, pem, type Pki } from "../helpers/certs.ts";
import { Recorder, sleep, within } from "../helpers/pipe-recorder.ts";
import { missing } from "../helpers/procs.ts";

const ws = wsTransport();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function server(url: string, opts: ListenOptions = {}) {
  const accepted: Array<{ pipe: Pipe; rec: Recorder }> = [];
  const l = await ws.listen(new URL(url), opts, (pipe) => {
    const rec = new Recorder();
    accepted.push({ pipe, rec });
    pipe.attach(rec);
    cleanups.push(() => pipe.abort());
  });
  cleanups.push(() => l.close());
  return { l, accepted };
}

async function dial(url: URL, opts: DialOptions = {}): Promise<Pipe | TransportError> {
  return ws.dial(url, opts).then(
    (p) => {
      cleanups.push(() => p.abort());
      return p;
    },
    (e: unknown) => e as TransportError,
  );
}

async function canListenOn(host: string): Promise<boolean> {
  try {
    Bun.listen({ hostname: host, port: 0, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

describe("ws transport", () => {
  test("declares ws and wss", () => {
    expect(ws.name).toBe("ws");
    expect([...ws.schemes]).toEqual(["ws", "wss"]);
  });

  test("listener URL keeps the path; a wrong path is an EHTTP error naming the status", async () => {
    const { l, accepted } = await server("ws://127.0.0.1:0/bond");
    expect(l.url.href).toBe(`ws://127.0.0.1:${l.port}/bond`);
    const err = await dial(new URL(`ws://127.0.0.1:${l.port}/other`));
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("EHTTP");
    expect((err as Error).message).toContain("404");
    expect(accepted.length).toBe(0);
  });

  test("custom headers and a Host override reach the server; no compression is offered", async () => {
    let seen: Headers | undefined;
    const srv = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(req, s) {
        seen = req.headers;
        return s.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 });
      },
      websocket: { message() {} },
    });
    cleanups.push(() => srv.stop(true));
    const p = await dial(new URL(`ws://127.0.0.1:${srv.port}/x`), { headers: { "X-Bond": "1", Host: "bond.example:8443" } });
    expect(p).not.toBeInstanceOf(Error);
    expect(seen?.get("x-bond")).toBe("1");
    expect(seen?.get("host")).toBe("bond.example:8443");
    expect(seen?.get("sec-websocket-extensions")).toBeNull();
  });

  test("a text message is a protocol error that closes that pipe", async () => {
    const srv = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (req, s) => (s.upgrade(req, { data: undefined }) ? undefined : new Response("no")),
      websocket: { open: (w) => void w.send("not binary"), message() {} },
    });
    cleanups.push(() => srv.stop(true));
    const p = (await dial(new URL(`ws://127.0.0.1:${srv.port}/`))) as Pipe;
    const r = new Recorder();
    p.attach(r);
    const err = await within(r.whenClosed, "closed after text");
    expect((err as TransportError).code).toBe("EPROTO");
  });

  test("IPv6 literal", async () => {
    if (!(await canListenOn("::1"))) return void console.error("skip: ::1 not available");
    const { l, accepted } = await server("ws://[::1]:0/v6");
    expect(l.url.href).toBe(`ws://[::1]:${l.port}/v6`);
    const p = (await dial(l.url)) as Pipe;
    p.attach(new Recorder());
    p.write(new TextEncoder().encode("six"));
    await within((async () => {
      while (!accepted[0]?.rec.bytes) await sleep(10);
    })(), "bytes over IPv6");
    expect(accepted[0]?.rec.text()).toBe("six");
    expect(accepted[0]?.pipe.info.remote).toMatch(/^\[::1\]:\d+$/);
  });
});

describe("wss transport", () => {
  test("pins the ephemeral certificate; a wrong pin fails before any byte", async () => {
    const { l, accepted } = await server("wss://127.0.0.1:0/s");
    const fp = /sha256:[0-9a-f]{64}/.exec(l.notes.join("\n"))?.[0] as string;
    const ok = await dial(l.url, { pin: [fp] });
    expect(ok).not.toBeInstanceOf(Error);
    const bad = await dial(l.url, { pin: [`sha256:${"00".repeat(32)}`] });
    expect(bad).toBeInstanceOf(TransportError);
    expect((bad as TransportError).code).toBe("TLS");
    expect((bad as Error).message).toMatch(/matches no --pin/);
    const none = await dial(l.url);
    expect((none as TransportError).code).toBe("TLS");
    await sleep(50);
    expect(accepted.length).toBe(1); // only the pinned dial got through
  });

  let pki: Pki | undefined;
  beforeAll(() => {
    if (!missing("openssl")) pki = makePki();
  });
  afterAll(() => pki?.remove());

  test("CA verification: right CA passes, wrong CA and wrong name fail with TLS errors", async () => {
    if (!pki) return;
    const { l } = await server("wss://127.0.0.1:0/s", { cert: pem(pki.serverCert), key: pem(pki.serverKey) });
    expect(await dial(l.url, { ca: pem(pki.ca) })).not.toBeInstanceOf(Error);
    const wrongCa = await dial(l.url, { ca: pem(pki.otherCa) });
    expect((wrongCa as TransportError).code).toBe("TLS");
    const wrongName = await dial(l.url, { ca: pem(pki.ca), servername: "wrong.example" });
    expect((wrongName as TransportError).code).toBe("TLS");
    expect((wrongName as Error).message).toMatch(/another name|ALTNAME|altnames/i);
  });

  test("mutual TLS: a client without a valid certificate is refused", async () => {
    if (!pki) return;
    const { l, accepted } = await server("wss://127.0.0.1:0/m", {
      cert: pem(pki.serverCert), key: pem(pki.serverKey), ca: pem(pki.ca), requestCert: true,
    });
    const base = { ca: pem(pki.ca) };
    const without = await dial(l.url, base);
    const wrong = await dial(l.url, { ...base, cert: pem(pki.badClientCert), key: pem(pki.badClientKey) });
    for (const r of [without, wrong]) {
      if (r instanceof Error) continue;
      const rec = new Recorder();
      r.attach(rec);
      expect(await within(rec.whenClosed, "refused pipe closes")).toBeInstanceOf(Error);
    }
    expect(accepted.length).toBe(0);
    const good = await dial(l.url, { ...base, cert: pem(pki.clientCert), key: pem(pki.clientKey) });
    expect(good).not.toBeInstanceOf(Error);
    await within((async () => {
      while (accepted.length === 0) await sleep(10);
    })(), "accepted with a valid client certificate");
  });
});
