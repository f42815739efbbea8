/**
 * Protocol v1 handshake (docs/PROTOCOL.md §2): pure message builders and checkers, no I/O.
 *
 * client → server  HELLO  72 bytes: magic "BNDC", version, kind (OPEN|JOIN), 2 reserved,
 *                          session id (16) at offset 8, client nonce (16), client share (32; zeros on JOIN)
 * server → client  REPLY 104 bytes: magic, version, status, 2 reserved, session id, server nonce (16),
 *                          server share (32; zeros on JOIN), server proof (32)
 * client → server  PROOF  32 bytes: client proof
 *
 * An OPEN with a pre-shared secret is a CPace exchange (cpace.ts) keyed by it: its ISK keys the OPEN's
 * proofs and the session key, so nobody can test guesses of the secret offline. Without a secret the
 * OPEN is a plain X25519 exchange (x25519.ts, HELLO byte 6 = 1), native and ~500× cheaper. A JOIN's
 * proofs are HMAC-SHA256 over both messages keyed by that session key: a JOIN proves knowledge of it.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { calculateGenerator, intermediateKey, sampleScalar, scalarMult, scalarMultVfy } from "./cpace.ts";
import { HandshakeError, type HandshakeErrorCode } from "./errors.ts";

export const MAGIC = new Uint8Array([0x42, 0x4e, 0x44, 0x43]); // "BNDC"
export const VERSION = 1;
export const HELLO_SIZE = 72;
export const REPLY_SIZE = 104;
export const PROOF_SIZE = 32;
export const SESSION_ID_OFFSET = 8;
export const SESSION_ID_SIZE = 16;
const KEY_SIZE = 32;
const NONCE_SIZE = 16;

export const HelloKind = { OPEN: 1, JOIN: 2 } as const;
export type HelloKind = (typeof HelloKind)[keyof typeof HelloKind];

/** HELLO byte 6 of an OPEN: how its key is agreed (§2.4). */
export const OpenAuth = { CPACE: 0, X25519: 1 } as const;

export const ReplyStatus = {
  OK: 0,
  BAD_VERSION: 1,
  UNKNOWN_SESSION: 2,
  SESSION_EXISTS: 3,
  REFUSED: 4,
  AUTH_REQUIRED: 5,
} as const;

const STATUS_TEXT: Record<number, [code: HandshakeErrorCode, text: string]> = {
  1: ["EVERSION", "peer does not speak protocol version 1"],
  2: ["EUNKNOWNSESSION", "peer does not know this session (it ended or the listener restarted)"],
  3: ["ESESSIONEXISTS", "session id already in use at the peer"],
  4: ["EREFUSED", "peer refused the session (busy, or not accepting more)"],
  5: ["EAUTH", "the listener requires a pre-shared secret (--secret or --secret-file)"],
};

export interface Hello {
  version: number;
  kind: HelloKind;
  /** OPEN: OpenAuth (byte 6). */
  auth: number;
  sessionId: Uint8Array;
  nonce: Uint8Array;
  key: Uint8Array;
  raw: Uint8Array;
}

export interface Reply {
  status: number;
  sessionId: Uint8Array;
  nonce: Uint8Array;
  key: Uint8Array;
  proof: Uint8Array;
  raw: Uint8Array;
}

const ZERO_KEY = new Uint8Array(KEY_SIZE);

export function newSessionId(): Uint8Array {
  return new Uint8Array(randomBytes(SESSION_ID_SIZE));
}

export function encodeHello(kind: HelloKind, sessionId: Uint8Array, key: Uint8Array | null): Uint8Array {
  const b = new Uint8Array(HELLO_SIZE);
  b.set(MAGIC, 0);
  b[4] = VERSION;
  b[5] = kind;
  b.set(sessionId, SESSION_ID_OFFSET);
  b.set(randomBytes(NONCE_SIZE), 24);
  b.set(key ?? ZERO_KEY, 40);
  return b;
}

/** Bytes read first, so a peer speaking something else is turned away at once, not after a timeout. */
export const LEAD_SIZE = 8;

/**
 * Handshake phase: read a message of `n` bytes whose first LEAD_SIZE bytes must pass `check` (a peer
 * speaking something else is turned away before the rest is awaited).
 */
export async function readMessage(
  sub: { readExact(n: number, timeoutMs: number): Promise<Uint8Array> },
  n: number,
  timeoutMs: number,
  check: (lead: Uint8Array) => void,
): Promise<Uint8Array> {
  const lead = await sub.readExact(LEAD_SIZE, timeoutMs);
  check(lead);
  const out = new Uint8Array(n);
  out.set(lead);
  out.set(await sub.readExact(n - LEAD_SIZE, timeoutMs), LEAD_SIZE);
  return out;
}

/** Check the lead bytes of a HELLO or REPLY; explains what the peer seems to speak instead. */
export function checkLead(lead: Uint8Array, who: "dialer" | "listener"): void {
  if (hasMagic(lead)) return;
  const shown = [...lead].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  const text = new TextDecoder().decode(lead).replace(/[^\x20-\x7e]/g, ".");
  let guess = "";
  if (lead[0] === 0x00) {
    guess = who === "dialer"
      ? "; it looks like the original bondcat (wire v0): start this listener with --compat v0 to accept it"
      : "; it looks like the original bondcat (wire v0): try --compat v0";
  }
  else if (/^(GET |POST|HTTP|CONN|SSH-)/.test(text)) guess = `; it speaks text ("${text}")`;
  else if (lead[0] === 0x16) guess = "; it looks like TLS (use a tls:// or wss:// endpoint)";
  throw new HandshakeError("EMAGIC", `the ${who} is not a bondcat v1 peer (first bytes ${shown}${guess})`);
}

export function hasMagic(b: Uint8Array): boolean {
  return b[0] === MAGIC[0] && b[1] === MAGIC[1] && b[2] === MAGIC[2] && b[3] === MAGIC[3];
}

/** Parse a client HELLO. Throws HandshakeError on bad magic or kind; version is returned, not checked. */
export function decodeHello(b: Uint8Array): Hello {
  if (b.length !== HELLO_SIZE) throw new HandshakeError("EHELLO", `HELLO must be ${HELLO_SIZE} bytes`);
  checkLead(b, "dialer");
  const kind = b[5];
  if (kind !== HelloKind.OPEN && kind !== HelloKind.JOIN) {
    throw new HandshakeError("EHELLO", `unknown HELLO kind ${kind}`);
  }
  const auth = kind === HelloKind.OPEN ? b[6]! : OpenAuth.CPACE;
  if (auth !== OpenAuth.CPACE && auth !== OpenAuth.X25519) throw new HandshakeError("EHELLO", `unknown OPEN auth method ${auth}`);
  return {
    version: b[4]!,
    kind,
    auth,
    sessionId: b.slice(8, 24),
    nonce: b.slice(24, 40),
    key: b.slice(40, 72),
    raw: b,
  };
}

/** Build a REPLY. For status ≠ OK pass null key and authKey: the proof is zeros. */
export function encodeReply(
  status: number,
  hello: Hello,
  key: Uint8Array | null,
  authKey: Uint8Array | null,
): Uint8Array {
  const b = new Uint8Array(REPLY_SIZE);
  b.set(MAGIC, 0);
  b[4] = VERSION;
  b[5] = status;
  b.set(hello.sessionId, SESSION_ID_OFFSET);
  b.set(randomBytes(NONCE_SIZE), 24);
  b.set(key ?? ZERO_KEY, 40);
  if (status === ReplyStatus.OK && authKey) signReply(b, hello.raw, authKey);
  return b;
}

export function decodeReply(b: Uint8Array, hello: Uint8Array): Reply {
  if (b.length !== REPLY_SIZE) throw new HandshakeError("EREPLY", `REPLY must be ${REPLY_SIZE} bytes`);
  checkLead(b, "listener");
  const status = b[5]!;
  if (status !== ReplyStatus.OK) {
    const [code, text] = STATUS_TEXT[status] ?? ["EREFUSED", `peer refused with status ${status}`];
    throw new HandshakeError(code, text);
  }
  if (b[4] !== VERSION) throw new HandshakeError("EVERSION", `peer answered with version ${b[4]}`);
  const sessionId = b.slice(8, 24);
  if (!timingSafeEqual(sessionId, hello.subarray(8, 24))) {
    throw new HandshakeError("EREPLY", "peer echoed a different session id");
  }
  return { status, sessionId, nonce: b.slice(24, 40), key: b.slice(40, 72), proof: b.slice(72, 104), raw: b };
}

/** What both sides of an OPEN derive from its CPace ISK. */
export interface OpenKeys {
  /** Keys the OPEN's two proofs. */
  authKey: Uint8Array;
  /** The session key, proved by every JOIN. */
  sessionKey: Uint8Array;
}

const CPACE_CI = new TextEncoder().encode("bondcat v1 open");

/** CPace sid of an OPEN: HELLO bytes 8…39 (session id ‖ client nonce). */
function cpaceSid(hello: Uint8Array): Uint8Array {
  return hello.subarray(8, 40);
}

function shareOf(secret: string, hello: Uint8Array, scalar: bigint): Uint8Array {
  return scalarMult(scalar, calculateGenerator(new TextEncoder().encode(secret), CPACE_CI, cpaceSid(hello)));
}

const X25519_ISK = new TextEncoder().encode("bondcat v1 X25519_ISK");

/** Keys from an OPEN's K: ISK over transcript_ir(client share, HELLO[0..40), server share, REPLY[0..40)). */
export function openKeys(k: Uint8Array, hello: Uint8Array, reply: Uint8Array): OpenKeys {
  const label = hello[6] === OpenAuth.X25519 ? X25519_ISK : undefined;
  const isk = intermediateKey(cpaceSid(hello), k, hello.subarray(40, 72), hello.subarray(0, 40), reply.subarray(40, 72), reply.subarray(0, 40), label);
  return { authKey: hmac(isk, [new TextEncoder().encode("bondcat v1 open")]), sessionKey: hmac(isk, [new TextEncoder().encode("bondcat v1 session")]) };
}

function secretPoint(scalar: bigint, share: Uint8Array, who: string): Uint8Array {
  const k = scalarMultVfy(scalar, share);
  if (!k) throw new HandshakeError("EAUTH", `the ${who} sent an invalid CPace share`);
  return k;
}

/** Client: an OPEN HELLO carrying its CPace share, and the scalar to finish with. */
export function startOpen(secret: string, sessionId: Uint8Array, scalar = sampleScalar()): { hello: Uint8Array; scalar: bigint } {
  const hello = encodeHello(HelloKind.OPEN, sessionId, null);
  hello.set(shareOf(secret, hello, scalar), 40);
  return { hello, scalar };
}

/** Client: the keys of an OPEN once the REPLY is in (throws EAUTH on an invalid server share). */
export function finishOpen(scalar: bigint, hello: Uint8Array, reply: Uint8Array): OpenKeys {
  return openKeys(secretPoint(scalar, reply.subarray(40, 72), "listener"), hello, reply);
}

/** Server: the OK REPLY to an OPEN (its share and proof) and the keys (throws EAUTH on an invalid client share). */
export function answerOpen(secret: string, hello: Hello, scalar = sampleScalar()): { reply: Uint8Array; keys: OpenKeys } {
  const k = secretPoint(scalar, hello.key, "dialer");
  const reply = encodeReply(ReplyStatus.OK, hello, shareOf(secret, hello.raw, scalar), null);
  const keys = openKeys(k, hello.raw, reply);
  signReply(reply, hello.raw, keys.authKey);
  return { reply, keys };
}

/** Write the server proof into an OK REPLY. */
export function signReply(reply: Uint8Array, hello: Uint8Array, authKey: Uint8Array): void {
  reply.set(mac(authKey, "server", hello, reply.subarray(0, 72)), 72);
}

export function serverProofOk(authKey: Uint8Array, hello: Uint8Array, reply: Uint8Array): boolean {
  return timingSafeEqual(mac(authKey, "server", hello, reply.subarray(0, 72)), reply.subarray(72, 104));
}

export function clientProof(authKey: Uint8Array, hello: Uint8Array, reply: Uint8Array): Uint8Array {
  return mac(authKey, "client", hello, reply);
}

export function clientProofOk(authKey: Uint8Array, hello: Uint8Array, reply: Uint8Array, proof: Uint8Array): boolean {
  return proof.length === PROOF_SIZE && timingSafeEqual(clientProof(authKey, hello, reply), proof);
}

function mac(key: Uint8Array, label: "server" | "client", a: Uint8Array, b: Uint8Array): Uint8Array {
  return hmac(key, [new TextEncoder().encode(label), a, b]);
}

function hmac(key: Uint8Array, parts: Uint8Array[]): Uint8Array {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
}
