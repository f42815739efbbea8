/**
 * Offline dictionary attack on one captured OPEN exchange, for the test (small dictionary) and
 * bench/offline-attack.ts (1M candidates). Three attackers, each with what it really holds:
 *
 *   prober       dialed the listener itself: its HELLO (and, with CPace, its scalar), the REPLY
 *   fake-server  was dialed by a real client: the client's HELLO, its own REPLY (and scalar), and
 *                the client's PROOF if the client sent one (it does not after a wrong server proof)
 *   eavesdropper saw a real client and listener: HELLO, REPLY and PROOF, no scalar
 *
 * Two schemes. "hmac" is the handshake before CPace (PROTOCOL.md history: proofs keyed by
 * HMAC(secret, "bondcat v1 open")), rebuilt here from its formulas so the harness can show it WAS
 * crackable. "cpace" is the current one, driven through the production code.
 *
 * The CPace test per candidate c: compute the generator g(c) and look for the only relation an attacker
 * can check, share = y·g(c) for a scalar y it knows (its own, or 1); where one holds it computes K and
 * checks the captured proofs. Without the other side's scalar no K can be formed (CDH), so a candidate is
 * confirmed only if it is the one the attacker already tried live.
 */
import { ristretto255 } from "@noble/curves/ed25519.js";
import { createHmac, timingSafeEqual } from "node:crypto";
import { calculateGenerator, sampleScalar } from "../../src/core/cpace.ts";
import {
  answerOpen,
  clientProof,
  decodeHello,
  encodeHello,
  finishOpen,
  HelloKind,
  newSessionId,
  openKeys,
  ReplyStatus,
  serverProofOk,
  startOpen,
  type OpenKeys,
} from "../../src/core/handshake.ts";

export type Role = "prober" | "fake-server" | "eavesdropper";
export type Scheme = "hmac" | "cpace";

export interface Capture {
  scheme: Scheme;
  role: Role;
  hello: Uint8Array;
  reply: Uint8Array;
  proof: Uint8Array | null;
  /** Scalars the attacker chose itself (CPace). */
  scalars: bigint[];
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const ORDER = ristretto255.Point.Fn.ORDER;
const CI = utf8("bondcat v1 open");

// ---- the pre-CPace scheme, from its formulas --------------------------------------------------------
const hmac = (key: Uint8Array, ...parts: Uint8Array[]): Uint8Array => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const legacyAuthKey = (secret: string): Uint8Array => hmac(utf8(secret), utf8("bondcat v1 open"));
const legacyServerProof = (key: Uint8Array, hello: Uint8Array, reply: Uint8Array): Uint8Array => hmac(key, utf8("server"), hello, reply.subarray(0, 72));
const legacyClientProof = (key: Uint8Array, hello: Uint8Array, reply: Uint8Array): Uint8Array => hmac(key, utf8("client"), hello, reply);
const eq = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b);

/** The PROOF a pre-CPace client sent (for benches that drive an old listener). */
export function legacyProof(hello: Uint8Array, reply: Uint8Array, secret = ""): Uint8Array {
  return legacyClientProof(legacyAuthKey(secret), hello, reply);
}

function legacyReply(hello: Uint8Array, secret: string): Uint8Array {
  const h = decodeHello(hello);
  const reply = new Uint8Array(104);
  reply.set([0x42, 0x4e, 0x44, 0x43, 1, ReplyStatus.OK, 0, 0]);
  reply.set(h.sessionId, 8);
  reply.set(crypto.getRandomValues(new Uint8Array(48)), 24); // nonce + server key
  reply.set(legacyServerProof(legacyAuthKey(secret), hello, reply), 72);
  return reply;
}

/** One exchange between a client knowing `clientSecret` and a server knowing `serverSecret`. */
function exchange(scheme: Scheme, clientSecret: string, serverSecret: string) {
  if (scheme === "hmac") {
    const hello = encodeHello(HelloKind.OPEN, newSessionId(), crypto.getRandomValues(new Uint8Array(32)));
    const reply = legacyReply(hello, serverSecret);
    const key = legacyAuthKey(clientSecret);
    const ok = eq(legacyServerProof(key, hello, reply), reply.subarray(72));
    return { hello, reply, proof: ok ? legacyClientProof(key, hello, reply) : null, ya: 0n, yb: 0n };
  }
  const { hello, scalar: ya } = startOpen(clientSecret, newSessionId());
  const yb = sampleScalar();
  const server = answerOpen(serverSecret, decodeHello(hello), yb);
  let keys: OpenKeys | null = finishOpen(ya, hello, server.reply);
  if (!serverProofOk(keys.authKey, hello, server.reply)) keys = null; // the client stops: no PROOF
  return { hello, reply: server.reply, proof: keys ? clientProof(keys.authKey, hello, server.reply) : null, ya, yb };
}

/** Capture one exchange as `role` sees it; `guess` is the secret the attacker uses in its live try. */
export function capture(scheme: Scheme, role: Role, secret: string, guess: string): Capture {
  if (role === "prober") {
    const x = exchange(scheme, guess, secret);
    return { scheme, role, hello: x.hello, reply: x.reply, proof: null, scalars: scheme === "cpace" ? [x.ya] : [] };
  }
  if (role === "fake-server") {
    const x = exchange(scheme, secret, guess);
    return { scheme, role, hello: x.hello, reply: x.reply, proof: x.proof, scalars: scheme === "cpace" ? [x.yb] : [] };
  }
  const x = exchange(scheme, secret, secret);
  return { scheme, role, hello: x.hello, reply: x.reply, proof: x.proof, scalars: [] };
}

/** A tester for candidates against one capture: true = the candidate is consistent with it. */
export function tester(c: Capture): (candidate: string) => boolean {
  const { hello, reply, proof } = c;
  if (c.scheme === "hmac") {
    return (candidate) => {
      const key = legacyAuthKey(candidate);
      // a fake server made the REPLY's proof itself: only the client's PROOF says anything
      if (c.role !== "fake-server" && eq(legacyServerProof(key, hello, reply), reply.subarray(72))) return true;
      return proof !== null && eq(legacyClientProof(key, hello, reply), proof);
    };
  }
  const sid = hello.subarray(8, 40);
  const ya = hello.subarray(40, 72);
  const yb = reply.subarray(40, 72);
  // For every known scalar y (and 1) and each share S: the generator that S = y·g would need.
  const targets: { g: string; y: bigint; mine: "client" | "server" }[] = [];
  for (const y of [1n, ...c.scalars]) {
    const inv = invert(y);
    for (const [share, mine] of [[ya, "client"], [yb, "server"]] as const) {
      targets.push({ g: hexOf(ristretto255.Point.fromBytes(share).multiply(inv).toBytes()), y, mine });
    }
  }
  return (candidate) => {
    const g = hexOf(calculateGenerator(utf8(candidate), CI, sid).toBytes());
    for (const t of targets) {
      if (t.g !== g) continue;
      // The attacker knows y with share = y·g(candidate): it can compute K with the other share.
      if (t.mine === "client") {
        const keys = finishOpen(t.y, hello, reply);
        if (serverProofOk(keys.authKey, hello, reply)) return true;
      } else if (proof !== null) {
        const k = answerWith(t.y, hello, reply);
        if (eq(clientProof(k.authKey, hello, reply), proof)) return true;
      }
    }
    return false;
  };
}

/** Server-side keys for a captured exchange, from the server's scalar: K = yb·Ya. */
function answerWith(yb: bigint, hello: Uint8Array, reply: Uint8Array): OpenKeys {
  return openKeys(ristretto255.Point.fromBytes(hello.subarray(40, 72)).multiply(yb).toBytes(), hello, reply);
}

function invert(y: bigint): bigint {
  // Fermat: y^(n-2) mod n
  let result = 1n;
  let base = y % ORDER;
  let e = ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % ORDER;
    base = (base * base) % ORDER;
    e >>= 1n;
  }
  return result;
}

const hexOf = (b: Uint8Array): string => Buffer.from(b).toString("hex");

/** Run a dictionary against a capture; returns the candidates found. */
export function crack(c: Capture, dictionary: Iterable<string>): { found: string[]; tried: number; ms: number } {
  const test = tester(c);
  const found: string[] = [];
  let tried = 0;
  const t0 = performance.now();
  for (const candidate of dictionary) {
    tried++;
    if (test(candidate)) found.push(candidate);
  }
  return { found, tried, ms: performance.now() - t0 };
}

/** `size` candidates ("pw000000"…), the real secret at a pseudo-random position, the live guess first. */
export function* dictionary(size: number, secret: string, guess: string, seed = 7): Generator<string> {
  const at = 1 + ((seed * 2654435761) % Math.max(1, size - 1));
  yield guess;
  for (let i = 1; i < size; i++) yield i === at ? secret : `pw${i.toString().padStart(7, "0")}`;
}
