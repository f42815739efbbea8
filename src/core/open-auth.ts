/**
 * How an OPEN agrees its key (docs/PROTOCOL.md §2.4, HELLO byte 6): CPace keyed by the pre-shared secret
 * (handshake.ts, cpace.ts), or, without a secret, a native X25519 exchange (x25519.ts) — ~0.1 ms where
 * CPace in JavaScript costs a fresh process ~35 ms of CPU, and nothing to guess makes a PAKE pointless.
 */
import { HandshakeError } from "./errors.ts";
import {
  answerOpen,
  encodeHello,
  encodeReply,
  finishOpen,
  type Hello,
  HelloKind,
  OpenAuth,
  type OpenKeys,
  openKeys,
  ReplyStatus,
  signReply,
  startOpen,
} from "./handshake.ts";
import { x25519Agree, x25519Key, type X25519Key } from "./x25519.ts";

/** Client without a secret: an OPEN HELLO carrying its X25519 share (byte 6 = X25519), and its key. */
export function startPlainOpen(sessionId: Uint8Array, fixed?: Uint8Array): { hello: Uint8Array; key: X25519Key } {
  const key = x25519Key(fixed);
  const hello = encodeHello(HelloKind.OPEN, sessionId, key.share);
  hello[6] = OpenAuth.X25519;
  return { hello, key };
}

function sharedKey(key: X25519Key, share: Uint8Array, who: string): Uint8Array {
  const k = x25519Agree(key, share);
  if (!k) throw new HandshakeError("EAUTH", `the ${who} sent an invalid X25519 share`);
  return k;
}

/** Client: the OPEN's HELLO for `secret` (CPace, or X25519 when empty) and how to finish with the REPLY. */
export function beginOpen(secret: string, sessionId: Uint8Array): { hello: Uint8Array; finish(reply: Uint8Array): OpenKeys } {
  if (secret === "") {
    const { hello, key } = startPlainOpen(sessionId);
    return { hello, finish: (reply) => openKeys(sharedKey(key, reply.subarray(40, 72), "listener"), hello, reply) };
  }
  const { hello, scalar } = startOpen(secret, sessionId);
  return { hello, finish: (reply) => finishOpen(scalar, hello, reply) };
}

/**
 * Server: the OK REPLY to an OPEN by the method its HELLO names. A secret-less (X25519) OPEN is for a
 * listener without a secret only: the caller refuses it with AUTH_REQUIRED otherwise.
 */
export function answerAnyOpen(secret: string, hello: Hello, fixed?: Uint8Array): { reply: Uint8Array; keys: OpenKeys } {
  if (hello.auth !== OpenAuth.X25519) return answerOpen(secret, hello);
  const key = x25519Key(fixed);
  const k = sharedKey(key, hello.key, "dialer");
  const reply = encodeReply(ReplyStatus.OK, hello, key.share, null);
  const keys = openKeys(k, hello.raw, reply);
  signReply(reply, hello.raw, keys.authKey);
  return { reply, keys };
}
