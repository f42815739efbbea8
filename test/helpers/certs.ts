/**
 * A throwaway PKI made with the openssl binary (independent of bondcat's own certificate code):
 * a CA, another CA, a server certificate for localhost/127.0.0.1/::1 signed by the CA, a client
 * certificate signed by the CA, and a client certificate signed by the other CA.
 */
import { X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pki {
  dir: string;
  ca: string;
  otherCa: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  badClientCert: string;
  badClientKey: string;
  /** "sha256:…" of the server certificate. */
  serverFingerprint: string;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr.toString()}`);
}

function selfSignedCa(name: string, cwd: string): void {
  openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
    "-out", `${name}.crt`, "-days", "30", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"], cwd);
}

function leaf(name: string, san: string, ca: string, cwd: string): void {
  openssl(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`,
    "-out", `${name}.csr`, "-subj", `/CN=${name}`], cwd);
  writeFileSync(join(cwd, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth,clientAuth\n`);
  openssl(["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${name}.crt`, "-days", "30", "-extfile", `${name}.ext`], cwd);
}

export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "bondcat-pki-"));
  selfSignedCa("ca", dir);
  selfSignedCa("otherca", dir);
  leaf("server", "DNS:localhost,IP:127.0.0.1,IP:::1", "ca", dir);
  leaf("client", "DNS:client", "ca", dir);
  leaf("badclient", "DNS:client", "otherca", dir);
  const p = (f: string) => join(dir, f);
  const fp = new X509Certificate(readFileSync(p("server.crt"))).fingerprint256.replaceAll(":", "").toLowerCase();
  return {
    dir,
    ca: p("ca.crt"),
    otherCa: p("otherca.crt"),
    serverCert: p("server.crt"),
    serverKey: p("server.key"),
    clientCert: p("client.crt"),
    clientKey: p("client.key"),
    badClientCert: p("badclient.crt"),
    badClientKey: p("badclient.key"),
    serverFingerprint: `sha256:${fp}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export const pem = (path: string): string => readFileSync(path, "utf8");
