/**
 * An ephemeral self-signed certificate for TLS/WSS listeners started without --cert/--key.
 *
 * ECDSA P-256 key from node:crypto, X.509 v3 certificate DER-encoded here (a few dozen lines of
 * ASN.1, no dependency): subject/issuer CN=bondcat, valid from one hour ago for 30 days, SAN with
 * "localhost", 127.0.0.1, ::1 and the listen host, extendedKeyUsage serverAuth. Clients verify it by
 * fingerprint (`--pin sha256:…`, printed by the listener) or skip verification (`--insecure`).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from "node:crypto";
import { isIP } from "node:net";

export interface SelfSigned {
  cert: string;
  key: string;
  /** "sha256:" + 64 lower-case hex digits of the certificate's DER. */
  fingerprint: string;
}

// ---- minimal DER encoder ----

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return Buffer.concat([Uint8Array.from([tag, ...len(body.length)]), body]);
}

const seq = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);

function oid(dotted: string): Uint8Array {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const out = [40 * a + b];
  for (const n of rest) {
    const groups: number[] = [n & 0x7f];
    for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) groups.unshift(0x80 | (v & 0x7f));
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

function utcTime(d: Date): Uint8Array {
  const p = (n: number) => String(n).padStart(2, "0");
  const s = `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}Z`;
  return tlv(0x17, Buffer.from(s, "ascii"));
}

function ipBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) return Uint8Array.from(ip.split(".").map(Number));
  const [head, tail = ""] = ip.split("::") as [string, string?];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

function name(cn: string): Uint8Array {
  return seq(tlv(0x31, seq(oid("2.5.4.3"), tlv(0x0c, Buffer.from(cn, "utf8")))));
}

function extension(id: string, value: Uint8Array): Uint8Array {
  return seq(oid(id), tlv(0x04, value));
}

/**
 * A random serial as a DER INTEGER body: positive (top bit clear) and minimally encoded (the first byte
 * never 0x00). Clearing only the top bit left 1 in 512 serials starting 0x00 0x0… — a non-minimal
 * INTEGER that BoringSSL rejects (ASN.1 INVALID_INTEGER), so a listener failed to start now and then.
 */
export function derSerial(random: Uint8Array): Uint8Array {
  const serial = Uint8Array.from(random);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x40;
  return serial;
}

/** A fresh self-signed certificate for `hosts` (names or IP literals, without brackets). */
export function generateSelfSigned(hosts: readonly string[] = []): SelfSigned {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const all = new Set(["localhost", "127.0.0.1", "::1", ...hosts.filter((h) => h !== "" && h !== "0.0.0.0" && h !== "::")]);
  const sans = [...all].map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, "ascii"))));
  const serial = derSerial(randomBytes(16));
  const ecdsaSha256 = seq(oid("1.2.840.10045.4.3.2"));
  const now = Date.now();
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Uint8Array.of(2))), // v3
    tlv(0x02, serial),
    ecdsaSha256,
    name("bondcat"),
    seq(utcTime(new Date(now - 3_600_000)), utcTime(new Date(now + 30 * 86_400_000))),
    name("bondcat"),
    publicKey.export({ type: "spki", format: "der" }),
    tlv(0xa3, seq(
      extension("2.5.29.17", seq(...sans)), // subjectAltName
      extension("2.5.29.37", seq(oid("1.3.6.1.5.5.7.3.1"))), // extKeyUsage serverAuth
    )),
  );
  const signature = sign("sha256", tbs, privateKey); // DER ECDSA-Sig-Value
  const der = seq(tbs, ecdsaSha256, tlv(0x03, Uint8Array.of(0), signature));
  const cert = toPem("CERTIFICATE", der);
  new X509Certificate(cert); // throws if the encoding were wrong
  return {
    cert,
    key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    fingerprint: `sha256:${createHash("sha256").update(der).digest("hex")}`,
  };
}

function toPem(label: string, der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}
