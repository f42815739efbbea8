/**
 * CPace on ristretto255 with SHA-512 (draft-irtf-cfrg-cpace, group G_Ristretto255, initiator-responder
 * transcript): a balanced PAKE. Both sides derive the same 64-byte ISK only if they used the same PRS
 * (password-related string); an attacker gets one guess per live exchange and nothing to test offline.
 *
 * Only the draft's building blocks live here (checked against its test vectors, appendix B.3);
 * how bondcat fills sid, CI and the associated data is in handshake.ts and docs/PROTOCOL.md §2.4.
 * Group operations and element derivation (RFC 9496 §4.3.4) come from @noble/curves.
 */
import { createHash, randomBytes } from "node:crypto";

type Curves = typeof import("@noble/curves/ed25519.js");
type RistrettoPoint = InstanceType<Curves["ristretto255"]["Point"]>;
let loaded: Curves | null = null;
/** @noble/curves is loaded on first use (~17 ms): an OPEN without a secret never needs it (x25519.ts). */
function curves(): Curves {
  return (loaded ??= require("@noble/curves/ed25519.js") as Curves);
}

export const DSI = new TextEncoder().encode("CPaceRistretto255");
const DSI_ISK = new TextEncoder().encode("CPaceRistretto255_ISK");
/** SHA-512 input block size (H.s_in_bytes). */
const S_IN_BYTES = 128;
export const SHARE_SIZE = 32;

/** LEB128 length followed by the bytes. */
export function prependLen(b: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = b.length;
  do {
    len.push((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  const out = new Uint8Array(len.length + b.length);
  out.set(len);
  out.set(b, len.length);
  return out;
}

export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return Buffer.concat(parts.map(prependLen));
}

export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, S_IN_BYTES - 1 - prependLen(prs).length - prependLen(DSI).length);
  return lvCat(DSI, prs, new Uint8Array(zpad), ci, sid);
}

/** g = element_derivation(SHA-512(generator_string)). */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): RistrettoPoint {
  const h = createHash("sha512").update(generatorString(prs, ci, sid)).digest();
  return curves().ristretto255_hasher.deriveToCurve!(new Uint8Array(h.buffer, h.byteOffset, h.length));
}

/** Little-endian scalar bytes → integer. */
export function scalarFromBytes(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** sample_scalar: 32 random bytes, bits above 252 cleared, read little-endian (never 0). */
export function sampleScalar(): bigint {
  for (;;) {
    const b = randomBytes(32);
    b[31]! &= 0x0f;
    const s = scalarFromBytes(b);
    if (s !== 0n) return s;
  }
}

/** scalar_mult(y, g): the encoded share y·g (0 < y < group order). */
export function scalarMult(y: bigint, g: RistrettoPoint): Uint8Array {
  return g.multiply(y).toBytes();
}

/**
 * scalar_mult_vfy(y, X): encode(y·decode(X)), or null where the draft returns the identity (X does
 * not decode, or the product is the identity): the caller MUST abort then.
 */
export function scalarMultVfy(y: bigint, x: Uint8Array): Uint8Array | null {
  const Point = curves().ristretto255.Point;
  let p: RistrettoPoint;
  try {
    p = Point.fromBytes(x);
  } catch {
    return null;
  }
  if (p.equals(Point.ZERO)) return null;
  const k = p.multiply(y);
  return k.equals(Point.ZERO) ? null : k.toBytes();
}

/** ISK = SHA-512(lv_cat(DSI‖"_ISK", sid, K) ‖ transcript_ir(Ya, ADa, Yb, ADb)). */
export function intermediateKey(sid: Uint8Array, k: Uint8Array, ya: Uint8Array, ada: Uint8Array, yb: Uint8Array, adb: Uint8Array, label = DSI_ISK): Uint8Array {
  const h = createHash("sha512")
    .update(lvCat(label, sid, k))
    .update(lvCat(ya, ada))
    .update(lvCat(yb, adb))
    .digest();
  return new Uint8Array(h.buffer, h.byteOffset, h.length);
}
