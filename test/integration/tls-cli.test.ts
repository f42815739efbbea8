/**
 * TLS through the CLI: wrong CA, wrong name and wrong pin fail with a clear error and deliver no
 * data; --insecure, a matching pin and the right CA succeed; --require-client-cert refuses clients
 * without a valid certificate. The listener runs with -k so one listener serves every case.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { makePki, type Pki } from "../helpers/certs.ts";
import { bondcat, listeningUrls, missing, type Proc, stopAll } from "../helpers/procs.ts";
import { fileSize } from "../helpers/files.ts";

const reason = missing("openssl");
let pki: Pki | undefined;
let server: Proc | undefined;
let mtls: Proc | undefined;
let tlsUrl = "";
let wssUrl = "";
let mtlsUrl = "";
let serverOut = "";
let mtlsOut = "";

beforeAll(async () => {
  if (reason) return;
  pki = makePki();
  serverOut = join(pki.dir, "server.out");
  mtlsOut = join(pki.dir, "mtls.out");
  const certArgs = ["--cert", pki.serverCert, "--key", pki.serverKey];
  server = bondcat(["-l", "-k", "--listen", "tls://127.0.0.1:0", "--listen", "wss://127.0.0.1:0/t", ...certArgs], { stdout: serverOut });
  [tlsUrl, wssUrl] = (await listeningUrls(server, 2)) as [string, string];
  mtls = bondcat(["-l", "-k", "--listen", "tls://127.0.0.1:0", ...certArgs, "--ca", pki.ca, "--require-client-cert"], { stdout: mtlsOut });
  [mtlsUrl] = (await listeningUrls(mtls, 1)) as [string];
});

afterAll(async () => {
  await stopAll();
  pki?.remove();
});

/** Runs a client sending `text`; returns its exit code and log. */
async function client(args: string[], text: string): Promise<{ code: number; log: string }> {
  const input = join((pki as Pki).dir, `in-${Math.random().toString(36).slice(2)}`);
  writeFileSync(input, text);
  const c = bondcat(["-a", ...args], { stdin: input });
  return { code: await c.exited, log: c.log() };
}

async function waitForSize(path: string, size: number): Promise<void> {
  for (let i = 0; i < 1000 && fileSize(path) < size; i++) await Bun.sleep(20);
}

describe("TLS verification through the CLI", () => {
  const failures: Array<[string, () => string[], RegExp]> = [
    ["a wrong CA", () => ["--ca", (pki as Pki).otherCa, tlsUrl], /certificate verification failed/],
    ["a wrong name", () => ["--ca", (pki as Pki).ca, "--servername", "wrong.example", tlsUrl], /another name|ALTNAME/],
    ["a wrong pin", () => ["--pin", `sha256:${"cd".repeat(32)}`, tlsUrl], /matches no --pin/],
    ["no CA, pin or --insecure", () => [tlsUrl], /certificate verification failed/],
    ["wss with a wrong CA", () => ["--ca", (pki as Pki).otherCa, wssUrl], /TLS|certificate/],
    ["wss with a wrong pin", () => ["--pin", `sha256:${"ef".repeat(32)}`, wssUrl], /matches no --pin/],
  ];
  for (const [name, args, message] of failures) {
    test(`fails with ${name}, and no data reaches the listener`, async () => {
      if (reason) return;
      const r = await client(args(), "must not arrive\n");
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(message);
      expect(r.log).toMatch(/\[error\]/);
      await Bun.sleep(100);
      expect(fileSize(serverOut)).toBe(0);
    });
  }

  test("--insecure, a matching pin and the right CA succeed (tls and wss)", async () => {
    if (reason) return;
    const p = pki as Pki;
    const runs: Array<[string[], string]> = [
      [["--insecure", tlsUrl], "one\n"],
      [["--pin", p.serverFingerprint, tlsUrl], "two\n"],
      [["--ca", p.ca, tlsUrl], "three\n"],
      [["--ca", p.ca, "--servername", "localhost", wssUrl], "four\n"],
      [["--pin", p.serverFingerprint, wssUrl, tlsUrl], "five\n"],
    ];
    let expected = "";
    for (const [args, text] of runs) {
      const r = await client(args, text);
      if (r.code !== 0) console.error(r.log);
      expect(r.code).toBe(0);
      expected += text;
      await waitForSize(serverOut, expected.length);
    }
    expect(await Bun.file(serverOut).text()).toBe(expected);
  });
});

describe("mutual TLS through the CLI", () => {
  test("a client without a certificate, or with one from another CA, is refused", async () => {
    if (reason) return;
    const p = pki as Pki;
    for (const args of [["--ca", p.ca, mtlsUrl], ["--ca", p.ca, "--client-cert", p.badClientCert, "--client-key", p.badClientKey, mtlsUrl]]) {
      const r = await client(args, "must not arrive\n");
      expect(r.code).not.toBe(0);
      expect(r.log).toMatch(/\[error\]/);
    }
    await Bun.sleep(100);
    expect(fileSize(mtlsOut)).toBe(0);
  });

  test("a client with a valid certificate gets through", async () => {
    if (reason) return;
    const p = pki as Pki;
    const r = await client(["--ca", p.ca, "--client-cert", p.clientCert, "--client-key", p.clientKey, mtlsUrl], "mutual\n");
    expect(r.code).toBe(0);
    await waitForSize(mtlsOut, 7);
    expect(await Bun.file(mtlsOut).text()).toBe("mutual\n");
  });
});
