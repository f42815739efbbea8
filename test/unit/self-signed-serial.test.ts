/**
 * The ephemeral certificate's serial is a minimal, positive DER INTEGER whatever the random bytes:
 * a serial starting 0x00 0x0… (1 in 512 before the fix) made BoringSSL refuse the certificate and a
 * TLS/wss listener without --cert failed to start now and then.
 */
import { describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { derSerial, generateSelfSigned } from "../../transports/self-signed.ts";

describe("self-signed certificate serial", () => {
  test.each([[[0x00, 0x05]], [[0x00, 0x00]], [[0x80, 0x00]], [[0xff, 0xff]], [[0x7f, 0x01]]])("%p → positive, minimal", (bytes) => {
    const s = derSerial(Uint8Array.from([...bytes, 1, 2, 3]));
    expect(s[0]! & 0x80).toBe(0); // positive
    expect(s[0]).not.toBe(0); // no leading zero byte: minimal encoding
    expect(s.length).toBe(5);
  });

  test("generated certificates parse", () => {
    for (let i = 0; i < 20; i++) {
      const c = generateSelfSigned(["example.test"]);
      expect(new X509Certificate(c.cert).serialNumber).toMatch(/^[4-7][0-9A-F]{31}$/);
    }
  });
});
