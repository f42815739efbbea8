/** PROXY protocol v1/v2 parser: byte vectors from the spec's layouts, every split offset, garbage. */
import { describe, expect, test } from "bun:test";
import { TransportError } from "../../src/contract/errors.ts";
import { parseProxyHeader, V2_MAX } from "../../transports/proxy-header.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const SIG = [0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a];
const cat = (...parts: (Uint8Array | number[])[]) => new Uint8Array(parts.flatMap((p) => [...p]));

/** v2 header: ver/cmd, fam, address block, then optional TLV bytes. */
function v2(verCmd: number, fam: number, block: number[], tlv: number[] = []): Uint8Array {
  const len = block.length + tlv.length;
  return cat(SIG, [verCmd, fam, len >> 8, len & 0xff], block, tlv);
}
const V4_BLOCK = [198, 18, 0, 7, 198, 18, 0, 1, 0xc3, 0x50, 0x01, 0xbb]; // 198.18.0.7:50000 → 198.18.0.1:443
const V6_BLOCK = [
  0xfd, 0xbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, // fdbc::9
  0xfd, 0xbc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
  0x9c, 0x40, 0x00, 0x50, // 40000 → 80
];

function expectAtEverySplit(bytes: Uint8Array, extra: Uint8Array) {
  const whole = cat(bytes, extra);
  for (let cut = 0; cut < bytes.length; cut++) expect(parseProxyHeader(whole.subarray(0, cut))).toBeNull();
  return parseProxyHeader(whole);
}

function malformed(b: Uint8Array): string {
  try {
    parseProxyHeader(b);
  } catch (err) {
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("EPROXYHEADER");
    return (err as Error).message;
  }
  throw new Error("accepted");
}

describe("PROXY v1", () => {
  test("TCP4 and TCP6, at every split; the data after the header is not consumed", () => {
    const h4 = enc("PROXY TCP4 198.18.0.7 198.18.0.1 50000 443\r\n");
    expect(expectAtEverySplit(h4, enc("BNDC"))).toEqual({ length: h4.length, version: 1, source: { address: "198.18.0.7", port: 50000 } });
    const h6 = enc("PROXY TCP6 fdbc::9 fdbc::1 40000 80\r\n");
    expect(expectAtEverySplit(h6, enc("xy"))).toEqual({ length: h6.length, version: 1, source: { address: "fdbc::9", port: 40000 } });
  });

  test("UNKNOWN carries no address", () => {
    expect(parseProxyHeader(enc("PROXY UNKNOWN\r\n"))).toEqual({ length: 15, version: 1 });
    expect(parseProxyHeader(enc("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"))?.source).toBeUndefined();
  });

  test("malformed: not a header, bad family, bad address, bad port, no CRLF within 107 bytes", () => {
    expect(malformed(enc("BNDC\x01"))).toContain("does not start with one");
    expect(malformed(enc("PRIVMSG"))).toContain("signature");
    expect(malformed(enc("PROXY UDP4 1.2.3.4 1.2.3.5 1 2\r\n"))).toContain("protocol");
    expect(malformed(enc("PROXY TCP4 fdbc::9 198.18.0.1 1 2\r\n"))).toContain("not TCP4");
    expect(malformed(enc("PROXY TCP4 198.18.0.7 198.18.0.1 65536 2\r\n"))).toContain("port");
    expect(malformed(enc("PROXY TCP4 198.18.0.7 198.18.0.1 01 2\r\n"))).toContain("port");
    expect(malformed(enc("PROXY TCP4 198.18.0.7 198.18.0.1 1\r\n"))).toContain("6 fields");
    expect(parseProxyHeader(enc(`PROXY ${"x".repeat(100)}`))).toBeNull();
    expect(malformed(enc(`PROXY ${"x".repeat(101)}`))).toContain("107");
  });
});

describe("PROXY v2", () => {
  test("PROXY over TCP/IPv4 and IPv6 with a TLV, at every split", () => {
    const h4 = v2(0x21, 0x11, V4_BLOCK, [0x04, 0x00, 0x01, 0x00]); // a NOOP TLV, skipped
    expect(expectAtEverySplit(h4, enc("BNDC"))).toEqual({ length: 16 + 16, version: 2, source: { address: "198.18.0.7", port: 50000 } });
    const h6 = v2(0x21, 0x21, V6_BLOCK);
    expect(expectAtEverySplit(h6, enc("B"))).toEqual({ length: 16 + 36, version: 2, source: { address: "fdbc::9", port: 40000 } });
  });

  test("IPv6 text: v4-mapped shown as IPv4, longest zero run compressed, no run kept whole", () => {
    const mapped = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 7];
    expect(parseProxyHeader(v2(0x21, 0x21, [...mapped, ...V6_BLOCK.slice(16)]))?.source?.address).toBe("198.18.0.7");
    const full = [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6];
    expect(parseProxyHeader(v2(0x21, 0x21, [...full, ...V6_BLOCK.slice(16)]))?.source?.address).toBe("2001:db8:1:2:3:4:5:6");
    const runs = [0x20, 0x01, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(parseProxyHeader(v2(0x21, 0x21, [...runs, ...V6_BLOCK.slice(16)]))?.source?.address).toBe("2001:0:1::1");
  });

  test("LOCAL (a balancer health check), UNSPEC and unix: no address", () => {
    expect(parseProxyHeader(v2(0x20, 0x00, []))).toEqual({ length: 16, version: 2 });
    expect(parseProxyHeader(v2(0x21, 0x00, []))).toEqual({ length: 16, version: 2 });
    expect(parseProxyHeader(v2(0x21, 0x31, new Array(216).fill(0)))).toEqual({ length: 232, version: 2 });
  });

  test("malformed: signature, version, command, family, short block, over the size limit", () => {
    expect(malformed(cat(SIG.slice(0, 5), [0x01]))).toContain("signature");
    expect(malformed(v2(0x11, 0x11, V4_BLOCK))).toContain("version");
    expect(malformed(v2(0x22, 0x11, V4_BLOCK))).toContain("command");
    expect(malformed(v2(0x21, 0x41, V4_BLOCK))).toContain("family");
    expect(malformed(v2(0x21, 0x21, V4_BLOCK))).toContain("too short");
    const big = V2_MAX - 16 + 1;
    expect(malformed(cat(SIG, [0x21, 0x11, big >> 8, big & 0xff]))).toContain("limit");
  });
});
