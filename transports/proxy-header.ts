/**
 * PROXY protocol v1 and v2 headers (HAProxy's spec, "The PROXY protocol", versions 1 and 2): what a
 * load balancer sends before the client's bytes so the backend learns the real client address.
 * Pure and incremental: `parseProxyHeader(bytes)` returns null while the header is incomplete, the
 * parsed header with its length once complete, and throws TransportError "EPROXYHEADER" on anything
 * else — a listener told to expect the header never guesses (the spec forbids accepting both).
 *
 * v1 (text, at most 107 bytes): "PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n" or "PROXY UNKNOWN…\r\n".
 * v2 (binary): 12-byte signature, ver/cmd (0x20 LOCAL, 0x21 PROXY), family/protocol, 2-byte length,
 * addresses (TCP/UDP over IPv4: 12 bytes, IPv6: 36; unix: 216), then TLVs (skipped).
 */
import { isIP } from "node:net";
import { TransportError } from "../src/contract/errors.ts";

const V1_PREFIX = "PROXY ";
const V1_MAX = 107;
const V2_SIG = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
/** Largest v2 header accepted (addresses + TLVs); HAProxy's own TLVs stay far below. */
export const V2_MAX = 16 + 1024;

export interface ProxyHeader {
  /** Bytes the header took; the client's data starts after them. */
  length: number;
  version: 1 | 2;
  /** The client as the balancer saw it; absent for LOCAL (the balancer's own health check) or UNKNOWN. */
  source?: { address: string; port: number };
}

function bad(why: string): never {
  throw new TransportError("EPROXYHEADER", `malformed PROXY protocol header: ${why}`);
}

/** Parse the header at the start of `b`: null = need more bytes. */
export function parseProxyHeader(b: Uint8Array): ProxyHeader | null {
  if (b.length === 0) return null;
  if (b[0] === V1_PREFIX.charCodeAt(0)) return parseV1(b);
  if (b[0] === V2_SIG[0]) return parseV2(b);
  return bad("the connection does not start with one (is the balancer sending it? send-proxy / send-proxy-v2)");
}

function parseV1(b: Uint8Array): ProxyHeader | null {
  const n = Math.min(b.length, V1_MAX);
  for (let i = 0; i < Math.min(n, V1_PREFIX.length); i++) if (b[i] !== V1_PREFIX.charCodeAt(i)) bad("bad v1 signature");
  let end = -1;
  for (let i = 0; i + 1 < n; i++) {
    if (b[i] === 0x0d && b[i + 1] === 0x0a) {
      end = i;
      break;
    }
  }
  if (end < 0) {
    if (b.length >= V1_MAX) bad(`no CRLF within ${V1_MAX} bytes`);
    return null;
  }
  const line = new TextDecoder("latin1").decode(b.subarray(0, end));
  const parts = line.split(" ");
  const length = end + 2;
  if (parts[1] === "UNKNOWN") return { length, version: 1 };
  if (parts.length !== 6) bad("v1 needs 6 fields");
  const [, proto, src, dst, sport, dport] = parts as [string, string, string, string, string, string];
  const family = proto === "TCP4" ? 4 : proto === "TCP6" ? 6 : bad(`unknown v1 protocol ${JSON.stringify(proto)}`);
  if (isIP(src) !== family || isIP(dst) !== family) bad(`addresses are not ${proto}`);
  v1Port(dport);
  return { length, version: 1, source: { address: src, port: v1Port(sport) } };
}

function v1Port(t: string): number {
  if (!/^(0|[1-9]\d{0,4})$/.test(t) || Number(t) > 65535) bad(`bad port ${JSON.stringify(t)}`);
  return Number(t);
}

function parseV2(b: Uint8Array): ProxyHeader | null {
  for (let i = 0; i < Math.min(b.length, V2_SIG.length); i++) if (b[i] !== V2_SIG[i]) bad("bad v2 signature");
  if (b.length < V2_FIXED) return null;
  const verCmd = b[12]!;
  if (verCmd >> 4 !== 2) bad(`unsupported version ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) bad(`unknown command ${cmd}`);
  const fam = b[13]!;
  const len = (b[14]! << 8) | b[15]!;
  const length = V2_FIXED + len;
  if (length > V2_MAX) bad(`${length} bytes is over the ${V2_MAX}-byte limit`);
  if (b.length < length) return null;
  if (cmd === 0) return { length, version: 2 }; // LOCAL: the balancer's own connection (health check)
  const af = fam >> 4;
  const need = af === 1 ? 12 : af === 2 ? 36 : af === 3 ? 216 : 0;
  if (af > 3 || (fam & 0x0f) > 2) bad(`unknown address family/protocol 0x${fam.toString(16)}`);
  if (len < need) bad(`address block of ${len} bytes is too short for family 0x${fam.toString(16)}`);
  if (af !== 1 && af !== 2) return { length, version: 2 }; // UNSPEC or unix: no IP to report
  const v = new DataView(b.buffer, b.byteOffset + V2_FIXED, need);
  const address = af === 1 ? [0, 1, 2, 3].map((i) => v.getUint8(i)).join(".") : ipv6(v);
  const port = v.getUint16(af === 1 ? 8 : 32);
  return { length, version: 2, source: { address, port } };
}

/** The 16 source bytes of a v2 IPv6 block as compressed text ("2001:db8::1"); v4-mapped as IPv4. */
function ipv6(v: DataView): string {
  const words = Array.from({ length: 8 }, (_, i) => v.getUint16(i * 2));
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return [words[6]! >> 8, words[6]! & 0xff, words[7]! >> 8, words[7]! & 0xff].join(".");
  }
  // Longest run of zero words (≥ 2) becomes "::" (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}
