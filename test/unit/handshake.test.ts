/**
 * Handshake messages and proofs (src/core/handshake.ts): layout, typed errors, HMAC inputs.
 * Expected proofs are recomputed here with node:crypto from the formulas in docs/PROTOCOL.md §2.
 */
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { BondError } from "../../src/contract/errors.ts";
import { HandshakeError } from "../../src/core/errors.ts";
import {
  clientProof,
  clientProofOk,
  decodeHello,
  decodeReply,
  encodeHello,
  encodeReply,
  hasMagic,
  HELLO_SIZE,
  HelloKind,
  MAGIC,
  newKey,
  newSessionId,
  openAuthKey,
  PROOF_SIZE,
  REPLY_SIZE,
  ReplyStatus,
  serverProofOk,
  SESSION_ID_OFFSET,
  SESSION_ID_SIZE,
  sessionKey,
  VERSION,
} from "../../src/core/handshake.ts";

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString("hex");
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const hmac = (key: Uint8Array, ...parts: Uint8Array[]): string => {
  const h = createHmac("sha256", key);
  for (const p of parts) h.update(p);
  return h.digest("hex");
};
const flip = (b: Uint8Array, i: number, bit = 0): Uint8Array => {
  const c = b.slice();
  c[i]! ^= 1 << bit;
  return c;
};

function handshakeErrorOf(fn: () => unknown): HandshakeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(HandshakeError);
    expect(e).toBeInstanceOf(BondError);
    return e as HandshakeError;
  }
  throw new Error("expected a HandshakeError");
}

const SID = Uint8Array.from({ length: 16 }, (_, i) => i);
const CKEY = new Uint8Array(32).fill(0x11);
const SKEY = new Uint8Array(32).fill(0x22);

/** A complete, successful OPEN exchange, pure. */
function openExchange(clientSecret: string, serverSecret: string) {
  const hello = encodeHello(HelloKind.OPEN, SID, CKEY);
  const h = decodeHello(hello);
  const serverAuth = openAuthKey(serverSecret);
  const reply = encodeReply(ReplyStatus.OK, h, SKEY, serverAuth);
  const clientAuth = openAuthKey(clientSecret);
  return { hello, h, reply, serverAuth, clientAuth };
}

describe("HELLO", () => {
  test("constants", () => {
    expect(hex(MAGIC)).toBe("424e4443"); // "BNDC"
    expect(VERSION).toBe(1);
    expect(HELLO_SIZE).toBe(72);
    expect(REPLY_SIZE).toBe(104);
    expect(PROOF_SIZE).toBe(32);
    expect(SESSION_ID_OFFSET).toBe(8);
    expect(SESSION_ID_SIZE).toBe(16);
    expect(HelloKind).toEqual({ OPEN: 1, JOIN: 2 });
    expect(ReplyStatus).toEqual({ OK: 0, BAD_VERSION: 1, UNKNOWN_SESSION: 2, SESSION_EXISTS: 3, REFUSED: 4, AUTH_REQUIRED: 5 });
  });

  test("OPEN layout: magic, version, kind, reserved, session id at 8, nonce, key", () => {
    const b = encodeHello(HelloKind.OPEN, SID, CKEY);
    expect(b.length).toBe(72);
    expect(hex(b.subarray(0, 8))).toBe("424e4443" + "01" + "01" + "0000");
    expect(hex(b.subarray(8, 24))).toBe("000102030405060708090a0b0c0d0e0f");
    expect(hex(b.subarray(40, 72))).toBe("11".repeat(32));
    expect(hasMagic(b)).toBe(true);
  });

  test("JOIN layout: kind 2, key all zeros", () => {
    const b = encodeHello(HelloKind.JOIN, SID, null);
    expect(hex(b.subarray(0, 24))).toBe("424e4443" + "01" + "02" + "0000" + "000102030405060708090a0b0c0d0e0f");
    expect(hex(b.subarray(40, 72))).toBe("00".repeat(32));
  });

  test("the nonce (bytes 24..40) is fresh each time; nothing else changes", () => {
    const a = encodeHello(HelloKind.OPEN, SID, CKEY);
    const b = encodeHello(HelloKind.OPEN, SID, CKEY);
    expect(hex(a.subarray(24, 40))).not.toBe(hex(b.subarray(24, 40)));
    expect(hex(a.subarray(0, 24))).toBe(hex(b.subarray(0, 24)));
    expect(hex(a.subarray(40))).toBe(hex(b.subarray(40)));
  });

  test("decodeHello round-trip", () => {
    const b = encodeHello(HelloKind.OPEN, SID, CKEY);
    const h = decodeHello(b);
    expect(h.version).toBe(1);
    expect(h.kind).toBe(HelloKind.OPEN);
    expect(hex(h.sessionId)).toBe(hex(SID));
    expect(hex(h.nonce)).toBe(hex(b.subarray(24, 40)));
    expect(hex(h.key)).toBe(hex(CKEY));
    expect(h.raw).toBe(b);
  });

  test("decodeHello returns an unknown version instead of throwing (the acceptor answers BAD_VERSION)", () => {
    const b = encodeHello(HelloKind.JOIN, SID, null);
    b[4] = 7;
    expect(decodeHello(b).version).toBe(7);
  });

  test.each([
    ["71 bytes", (b: Uint8Array) => b.subarray(0, 71), "EHELLO"],
    ["73 bytes", (b: Uint8Array) => Uint8Array.from([...b, 0]), "EHELLO"],
    ["bad magic", (b: Uint8Array) => flip(b, 0), "EMAGIC"],
    ["bad magic (last byte)", (b: Uint8Array) => flip(b, 3, 7), "EMAGIC"],
    ["kind 0", (b: Uint8Array) => ((b[5] = 0), b), "EHELLO"],
    ["kind 3", (b: Uint8Array) => ((b[5] = 3), b), "EHELLO"],
  ] as const)("decodeHello: %s → %s", (...args) => {
    const [, mutate, code] = args;
    expect(handshakeErrorOf(() => decodeHello(mutate(encodeHello(HelloKind.OPEN, SID, CKEY)))).code).toBe(code);
  });
});

describe("REPLY", () => {
  test("OK layout and server proof = HMAC(authKey, 'server' ‖ HELLO ‖ REPLY[0..72))", () => {
    const { hello, reply, serverAuth } = openExchange("s3cret", "s3cret");
    expect(reply.length).toBe(104);
    expect(hex(reply.subarray(0, 8))).toBe("424e4443" + "01" + "00" + "0000");
    expect(hex(reply.subarray(8, 24))).toBe(hex(SID));
    expect(hex(reply.subarray(40, 72))).toBe("22".repeat(32));
    expect(hex(reply.subarray(72, 104))).toBe(hmac(serverAuth, utf8("server"), hello, reply.subarray(0, 72)));
  });

  test("the server nonce (bytes 24..40) is fresh", () => {
    const h = decodeHello(encodeHello(HelloKind.OPEN, SID, CKEY));
    const a = encodeReply(ReplyStatus.OK, h, SKEY, openAuthKey(""));
    const b = encodeReply(ReplyStatus.OK, h, SKEY, openAuthKey(""));
    expect(hex(a.subarray(24, 40))).not.toBe(hex(b.subarray(24, 40)));
  });

  test("a refusal carries zero key and zero proof", () => {
    const h = decodeHello(encodeHello(HelloKind.JOIN, SID, null));
    const r = encodeReply(ReplyStatus.UNKNOWN_SESSION, h, null, null);
    expect(hex(r.subarray(0, 24))).toBe("424e4443" + "01" + "02" + "0000" + hex(SID));
    expect(hex(r.subarray(40))).toBe("00".repeat(64));
  });

  test("decodeReply round-trip", () => {
    const { hello, reply } = openExchange("", "");
    const r = decodeReply(reply, hello);
    expect(r.status).toBe(0);
    expect(hex(r.sessionId)).toBe(hex(SID));
    expect(hex(r.nonce)).toBe(hex(reply.subarray(24, 40)));
    expect(hex(r.key)).toBe(hex(SKEY));
    expect(hex(r.proof)).toBe(hex(reply.subarray(72)));
    expect(r.raw).toBe(reply);
  });

  test.each([
    [ReplyStatus.BAD_VERSION, "EVERSION"],
    [ReplyStatus.UNKNOWN_SESSION, "EUNKNOWNSESSION"],
    [ReplyStatus.SESSION_EXISTS, "ESESSIONEXISTS"],
    [ReplyStatus.REFUSED, "EREFUSED"],
    [ReplyStatus.AUTH_REQUIRED, "EAUTH"],
    [9, "EREFUSED"],
    [255, "EREFUSED"],
  ])("decodeReply: status %d → %s", (status, code) => {
    const hello = encodeHello(HelloKind.JOIN, SID, null);
    const reply = encodeReply(status, decodeHello(hello), null, null);
    expect(handshakeErrorOf(() => decodeReply(reply, hello)).code).toBe(code);
  });

  test("decodeReply: wrong length, bad magic, version, different session id", () => {
    const { hello, reply } = openExchange("", "");
    expect(handshakeErrorOf(() => decodeReply(reply.subarray(0, 103), hello)).code).toBe("EREPLY");
    expect(handshakeErrorOf(() => decodeReply(flip(reply, 1), hello)).code).toBe("EMAGIC");
    const v2 = reply.slice();
    v2[4] = 2;
    expect(handshakeErrorOf(() => decodeReply(v2, hello)).code).toBe("EVERSION");
    expect(handshakeErrorOf(() => decodeReply(flip(reply, 8 + 15), hello)).code).toBe("EREPLY");
  });

  test("a refusal is reported by status even with another version byte", () => {
    const hello = encodeHello(HelloKind.OPEN, SID, CKEY);
    const r = encodeReply(ReplyStatus.BAD_VERSION, decodeHello(hello), null, null);
    r[4] = 9;
    expect(handshakeErrorOf(() => decodeReply(r, hello)).code).toBe("EVERSION");
  });
});

describe("keys", () => {
  test("openAuthKey = HMAC-SHA256(key = secret, 'bondcat v1 open'); known answers", () => {
    expect(hex(openAuthKey(""))).toBe("e4787eb21f9c966a8892afd6c17744152e206d9d856bc5b4e12e01e9265b854b");
    expect(hex(openAuthKey("s3cret"))).toBe("2c81d2d9961d6461e09fb436afe6f34f172a5f65edf0371708262a9e8e6ad8e9");
    expect(hex(openAuthKey("pässwörd"))).toBe(hmac(utf8("pässwörd"), utf8("bondcat v1 open")));
  });

  test("sessionKey = HMAC-SHA256(key = secret, 'bondcat v1 session' ‖ id ‖ clientKey ‖ serverKey); known answer", () => {
    expect(hex(sessionKey("s3cret", SID, CKEY, SKEY))).toBe("824b840bba9bfd2b00bc190c444ea994253c7f384d15fdfdd480f46d6b08d75c");
    expect(hex(sessionKey("", SID, CKEY, SKEY))).toBe(hmac(new Uint8Array(0), utf8("bondcat v1 session"), SID, CKEY, SKEY));
  });

  test("sessionKey depends on the secret, the id and both keys (and their order)", () => {
    const base = hex(sessionKey("k", SID, CKEY, SKEY));
    expect(hex(sessionKey("k", SID, CKEY, SKEY))).toBe(base);
    expect(sessionKey("k", SID, CKEY, SKEY).length).toBe(32);
    const variants = [
      sessionKey("K", SID, CKEY, SKEY),
      sessionKey("", SID, CKEY, SKEY),
      sessionKey("k", flip(SID, 0), CKEY, SKEY),
      sessionKey("k", SID, flip(CKEY, 31), SKEY),
      sessionKey("k", SID, CKEY, flip(SKEY, 0)),
      sessionKey("k", SID, SKEY, CKEY),
    ];
    const all = new Set([base, ...variants.map(hex)]);
    expect(all.size).toBe(variants.length + 1);
  });

  test("newSessionId / newKey sizes and freshness", () => {
    expect(newSessionId().length).toBe(16);
    expect(newKey().length).toBe(32);
    expect(hex(newKey())).not.toBe(hex(newKey()));
  });
});

describe("proofs", () => {
  test("OPEN with matching secrets: both proofs accepted, both sides derive the same session key", () => {
    const { hello, h, reply, clientAuth, serverAuth } = openExchange("s3cret", "s3cret");
    const r = decodeReply(reply, hello);
    expect(serverProofOk(clientAuth, hello, reply)).toBe(true);
    const proof = clientProof(clientAuth, hello, reply);
    expect(proof.length).toBe(32);
    expect(hex(proof)).toBe(hmac(clientAuth, utf8("client"), hello, reply));
    expect(clientProofOk(serverAuth, hello, reply, proof)).toBe(true);
    expect(hex(sessionKey("s3cret", SID, CKEY, r.key))).toBe(hex(sessionKey("s3cret", h.sessionId, h.key, SKEY)));
  });

  test("OPEN without a secret works the same (empty secret)", () => {
    const { hello, reply, clientAuth, serverAuth } = openExchange("", "");
    expect(serverProofOk(clientAuth, hello, reply)).toBe(true);
    expect(clientProofOk(serverAuth, hello, reply, clientProof(clientAuth, hello, reply))).toBe(true);
  });

  test("a different secret is rejected on both sides", () => {
    const { hello, reply, clientAuth, serverAuth } = openExchange("alpha", "beta");
    expect(serverProofOk(clientAuth, hello, reply)).toBe(false);
    expect(clientProofOk(serverAuth, hello, reply, clientProof(clientAuth, hello, reply))).toBe(false);
  });

  test("any flipped bit in the server proof, the HELLO or the signed REPLY bytes is rejected", () => {
    const { hello, reply, clientAuth } = openExchange("s", "s");
    for (let i = 72; i < 104; i++) expect(serverProofOk(clientAuth, hello, flip(reply, i, i % 8))).toBe(false);
    for (let i = 0; i < 72; i++) expect(serverProofOk(clientAuth, flip(hello, i, i % 8), reply)).toBe(false);
    for (let i = 0; i < 72; i++) expect(serverProofOk(clientAuth, hello, flip(reply, i, i % 8))).toBe(false);
  });

  test("any flipped bit in the client proof or the transcript is rejected; a short proof is false", () => {
    const { hello, reply, clientAuth, serverAuth } = openExchange("s", "s");
    const proof = clientProof(clientAuth, hello, reply);
    for (let i = 0; i < 32; i++) expect(clientProofOk(serverAuth, hello, reply, flip(proof, i, i % 8))).toBe(false);
    for (let i = 0; i < 72; i += 7) expect(clientProofOk(serverAuth, flip(hello, i), reply, proof)).toBe(false);
    for (let i = 0; i < 104; i += 7) expect(clientProofOk(serverAuth, hello, flip(reply, i), proof)).toBe(false);
    expect(clientProofOk(serverAuth, hello, reply, proof.subarray(0, 31))).toBe(false);
    expect(clientProofOk(serverAuth, hello, reply, new Uint8Array(0))).toBe(false);
  });

  test("labels separate the two proofs: a reflected proof is not accepted", () => {
    const { hello, reply, clientAuth, serverAuth } = openExchange("s", "s");
    // The server's proof cannot be replayed as the client's proof.
    expect(clientProofOk(serverAuth, hello, reply, reply.subarray(72))).toBe(false);
    // A client proof placed in the REPLY's proof field does not verify as a server proof.
    const forged = reply.slice();
    forged.set(clientProof(clientAuth, hello, reply.subarray(0, 72)), 72);
    expect(serverProofOk(clientAuth, hello, forged)).toBe(false);
  });

  test("JOIN: proofs keyed by the session key; the wrong session key is rejected", () => {
    const key = sessionKey("", SID, CKEY, SKEY);
    const wrong = sessionKey("", SID, CKEY, flip(SKEY, 5));
    const hello = encodeHello(HelloKind.JOIN, SID, null);
    const reply = encodeReply(ReplyStatus.OK, decodeHello(hello), null, key);
    expect(hex(reply.subarray(40, 72))).toBe("00".repeat(32));
    expect(decodeReply(reply, hello).status).toBe(0);
    // the client checks the server with the key it holds
    expect(serverProofOk(key, hello, reply)).toBe(true);
    expect(serverProofOk(wrong, hello, reply)).toBe(false);
    // the server checks the client with the session's key
    expect(clientProofOk(key, hello, reply, clientProof(key, hello, reply))).toBe(true);
    expect(clientProofOk(key, hello, reply, clientProof(wrong, hello, reply))).toBe(false);
    // an OPEN auth key does not prove a JOIN
    expect(clientProofOk(key, hello, reply, clientProof(openAuthKey(""), hello, reply))).toBe(false);
  });

  test("a proof from one exchange does not verify another (fresh nonces)", () => {
    const a = openExchange("s", "s");
    const b = openExchange("s", "s");
    const proofA = clientProof(a.clientAuth, a.hello, a.reply);
    expect(clientProofOk(b.serverAuth, b.hello, b.reply, proofA)).toBe(false);
    expect(serverProofOk(b.clientAuth, b.hello, a.reply)).toBe(false);
  });
});

describe("worked example (docs/PROTOCOL.md §10)", () => {
  // Fixed nonces and keys instead of random ones; no pre-shared secret.
  const hello = new Uint8Array(72);
  hello.set([0x42, 0x4e, 0x44, 0x43, 1, 1, 0, 0]);
  hello.set(SID, 8);
  hello.set(Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i), 24);
  hello.fill(0x11, 40, 72);
  const reply = new Uint8Array(104);
  reply.set([0x42, 0x4e, 0x44, 0x43, 1, 0, 0, 0]);
  reply.set(SID, 8);
  reply.set(Uint8Array.from({ length: 16 }, (_, i) => 0xb0 + i), 24);
  reply.fill(0x22, 40, 72);
  const SERVER_PROOF = "2e29148d447ff929bf81b8b4399f4737b3f9c508c3de76defdb7d43dfdb12a39";
  const CLIENT_PROOF = "66de0c4847996217d868ede92c154966d77d73ad275340fa5707ad6f87b0b0bf";
  const SESSION_KEY = "78a766c5b1c4ba7ec2db88846304964c565c186d145375ccd7337e48d7827d5b";
  reply.set(Buffer.from(SERVER_PROOF, "hex"), 72);

  test("the example messages parse and both proofs verify", () => {
    const auth = openAuthKey("");
    const h = decodeHello(hello);
    expect(h.kind).toBe(HelloKind.OPEN);
    const r = decodeReply(reply, hello);
    expect(serverProofOk(auth, hello, reply)).toBe(true);
    expect(hex(clientProof(auth, hello, reply))).toBe(CLIENT_PROOF);
    expect(clientProofOk(auth, hello, reply, Buffer.from(CLIENT_PROOF, "hex"))).toBe(true);
    expect(hex(sessionKey("", h.sessionId, h.key, r.key))).toBe(SESSION_KEY);
  });
});
