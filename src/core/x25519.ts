/**
 * X25519 (RFC 7748) through node:crypto's native implementation: the key agreement of an OPEN without
 * a pre-shared secret (docs/PROTOCOL.md §2.4). ~0.1 ms per exchange where CPace on ristretto255 in
 * JavaScript costs ~35 ms of a cold process's CPU; with no secret there is nothing to guess, so a PAKE
 * buys nothing over a plain Diffie-Hellman that still keeps the session key from passive observers.
 */
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";

/** DER prefixes that wrap 32 raw bytes as a PKCS#8 private / SPKI public X25519 key. */
const PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const SPKI = Buffer.from("302a300506032b656e032100", "hex");

export interface X25519Key {
  readonly privateKey: KeyObject;
  /** The 32-byte public share sent to the peer. */
  readonly share: Uint8Array;
}

/** A fresh key pair, or the one of a fixed 32-byte private key (known-answer tests). */
export function x25519Key(fixed?: Uint8Array): X25519Key {
  const privateKey = fixed
    ? createPrivateKey({ key: Buffer.concat([PKCS8, fixed]), format: "der", type: "pkcs8" })
    : generateKeyPairSync("x25519").privateKey;
  const spki = createPublicKey(privateKey).export({ format: "der", type: "spki" });
  return { privateKey, share: new Uint8Array(spki.subarray(spki.length - 32)) };
}

/** The shared secret with the peer's share, or null for a share of small order (all-zero result). */
export function x25519Agree(key: X25519Key, peerShare: Uint8Array): Uint8Array | null {
  let k: Buffer;
  try {
    const publicKey = createPublicKey({ key: Buffer.concat([SPKI, peerShare]), format: "der", type: "spki" });
    k = diffieHellman({ privateKey: key.privateKey, publicKey });
  } catch {
    return null;
  }
  return k.every((b) => b === 0) ? null : new Uint8Array(k);
}
