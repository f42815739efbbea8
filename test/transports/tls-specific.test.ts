/** TLS details beyond the compliance suite: certificate checks, pins, client certificates, ephemeral certificates. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { rmSync } from "node:fs";
import { TransportError } from "../../src/contract/errors.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import { generateSelfSigned } from "../../transports/self-signed.ts";
import { tlsTransport } from "../../transports/tls.ts";
import type { DialOptions, ListenOptions } from "../../src/contract/transport.ts";
import { makePki, pem, type Pki } from "../helpers/certs.ts";
import { Recorder, sleep, within } from "../helpers/pipe-recorder.ts";
import { missing } from "../helpers/procs.ts";

const tls = tlsTransport();
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A listener whose accepted pipes record what they receive. */
async function server(opts: ListenOptions) {
  const accepted: Recorder[] = [];
  const l = await tls.listen(new URL("tls://127.0.0.1:0"), opts, (p) => {
    const r = new Recorder();
    accepted.push(r);
    p.attach(r);
    cleanups.push(() => p.abort());
  });
  cleanups.push(() => l.close());
  return { l, accepted };
}

async function dialResult(url: URL, opts: DialOptions): Promise<Pipe | TransportError> {
  return tls.dial(url, opts).then(
    (p) => {
      cleanups.push(() => p.abort());
      return p;
    },
    (e: unknown) => e as TransportError,
  );
}

/** Dial, write, and report whether the bytes got through (a rejected client must not deliver any). */
async function exchange(url: URL, opts: DialOptions, accepted: Recorder[]): Promise<{ err?: Error; delivered: number }> {
  const r = await dialResult(url, opts);
  if (r instanceof Error) {
    await sleep(100);
    return { err: r, delivered: accepted.reduce((n, a) => n + a.bytes, 0) };
  }
  const c = new Recorder();
  r.attach(c);
  r.write(new TextEncoder().encode("hello"));
  await within(Promise.race([c.whenClosed, (async () => {
    while (!accepted.some((a) => a.bytes > 0)) await sleep(10);
  })()]), "data or close");
  return { err: c.closedErr, delivered: accepted.reduce((n, a) => n + a.bytes, 0) };
}

describe("tls: self-signed certificate generator", () => {
  test("a valid X.509 certificate with the given names, self-verifying", () => {
    const s = generateSelfSigned(["bond.example", "10.9.8.7", "2001:db8::5"]);
    const x = new X509Certificate(s.cert);
    expect(x.subjectAltName).toContain("DNS:bond.example");
    expect(x.subjectAltName).toContain("IP Address:10.9.8.7");
    expect(x.subjectAltName).toContain("DNS:localhost");
    expect(x.checkHost("bond.example")).toBe("bond.example");
    expect(x.checkIP("2001:db8::5")).toBe("2001:db8::5");
    expect(x.verify(x.publicKey)).toBe(true);
    expect(s.fingerprint).toBe(`sha256:${x.fingerprint256.replaceAll(":", "").toLowerCase()}`);
  });

  test.skipIf(missing("openssl") !== null)("openssl accepts it", async () => {
    const s = generateSelfSigned();
    const path = `${process.env.TMPDIR ?? "/tmp"}/bondcat-ss-${process.pid}.pem`;
    await Bun.write(path, s.cert);
    const r = Bun.spawnSync(["openssl", "verify", "-CAfile", path, path]);
    rmSync(path, { force: true });
    expect(r.stdout.toString()).toContain("OK");
  });
});

describe("tls: ephemeral listener certificate", () => {
  test("the fingerprint in notes is the one clients see, and pins it", async () => {
    const { l } = await server({});
    const note = l.notes.join("\n");
    const fp = /sha256:[0-9a-f]{64}/.exec(note)?.[0] as string;
    expect(fp).toBeDefined();
    const p = await dialResult(l.url, { pin: [fp] });
    expect(p).not.toBeInstanceOf(Error);
    expect((p as Pipe).info.details?.peerFingerprint).toBe(fp);
    expect((p as Pipe).info.details?.tlsVersion).toMatch(/TLS/);
  });

  test("without --pin/--ca/--insecure the self-signed certificate is refused with a hint", async () => {
    const { l } = await server({});
    const err = await dialResult(l.url, {});
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("TLS");
    expect((err as Error).message).toMatch(/certificate verification failed.*--pin/);
  });
});

describe("tls: verification with a CA", () => {
  let pki: Pki | undefined;
  beforeAll(() => {
    if (!missing("openssl")) pki = makePki();
  });
  afterAll(() => pki?.remove());

  const cases: Array<[string, (p: Pki) => DialOptions, RegExp | null]> = [
    ["the right CA", (p) => ({ ca: pem(p.ca) }), null],
    ["the right CA and --servername localhost", (p) => ({ ca: pem(p.ca), servername: "localhost" }), null],
    ["--insecure", () => ({ insecure: true }), null],
    ["a matching pin", (p) => ({ pin: [p.serverFingerprint] }), null],
    ["a wrong CA", (p) => ({ ca: pem(p.otherCa) }), /certificate verification failed.*(unknown CA|SELF_SIGNED|UNABLE_TO)/],
    ["a wrong name", (p) => ({ ca: pem(p.ca), servername: "wrong.example" }), /another name|ALTNAME/],
    ["a wrong pin", () => ({ pin: [`sha256:${"ab".repeat(32)}`] }), /matches no --pin/],
    ["system CAs only", () => ({}), /certificate verification failed/],
  ];
  for (const [name, opts, failure] of cases) {
    test(`${failure ? "fails" : "succeeds"} with ${name}`, async () => {
      if (!pki) return;
      const { l, accepted } = await server({ cert: pem(pki.serverCert), key: pem(pki.serverKey) });
      const r = await exchange(l.url, opts(pki), accepted);
      if (failure) {
        expect(r.err).toBeInstanceOf(TransportError);
        expect((r.err as TransportError).code).toBe("TLS");
        expect(r.err?.message).toMatch(failure);
        expect(r.delivered).toBe(0);
      } else {
        expect(r.err).toBeUndefined();
        expect(r.delivered).toBe(5);
      }
    });
  }

  const mtls: Array<[string, (p: Pki) => DialOptions, boolean]> = [
    ["no client certificate", (p) => ({ ca: pem(p.ca) }), false],
    ["a client certificate from another CA", (p) => ({ ca: pem(p.ca), cert: pem(p.badClientCert), key: pem(p.badClientKey) }), false],
    ["a valid client certificate", (p) => ({ ca: pem(p.ca), cert: pem(p.clientCert), key: pem(p.clientKey) }), true],
  ];
  for (const [name, opts, ok] of mtls) {
    test(`mutual TLS ${ok ? "accepts" : "rejects"} ${name}`, async () => {
      if (!pki) return;
      const { l, accepted } = await server({ cert: pem(pki.serverCert), key: pem(pki.serverKey), ca: pem(pki.ca), requestCert: true });
      const r = await exchange(l.url, opts(pki), accepted);
      if (ok) {
        expect(r.err).toBeUndefined();
        expect(r.delivered).toBe(5);
      } else {
        expect(r.err).toBeInstanceOf(Error);
        expect(accepted.length).toBe(0); // the listener never handed out a pipe
        expect(r.delivered).toBe(0);
      }
    });
  }
});
