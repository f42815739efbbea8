/**
 * An OPEN without a pre-shared secret: a native X25519 exchange (HELLO byte 6 = 1), checked against
 * RFC 7748's vectors and the worked example of docs/PROTOCOL.md §10 through the production code.
 */
import { describe, expect, test } from "bun:test";
import { HandshakeError } from "../../src/core/errors.ts";
import { clientProof, decodeHello, hex, OpenAuth, openKeys, serverProofOk } from "../../src/core/handshake.ts";
import { answerAnyOpen, beginOpen, startPlainOpen } from "../../src/core/open-auth.ts";
import { x25519Agree, x25519Key } from "../../src/core/x25519.ts";

const h = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
// RFC 7748 §6.1: Alice's and Bob's private keys, public keys and shared secret.
const ALICE = h("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
const BOB = h("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
const SID = Uint8Array.from({ length: 16 }, (_, i) => i);

describe("x25519.ts", () => {
  test("reproduces RFC 7748 §6.1", () => {
    const a = x25519Key(ALICE);
    const b = x25519Key(BOB);
    expect(hex(a.share)).toBe("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
    expect(hex(b.share)).toBe("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    expect(hex(x25519Agree(a, b.share)!)).toBe("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
    expect(hex(x25519Agree(b, a.share)!)).toBe("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
  });

  test("a share of small order (all-zero result) or of the wrong size agrees on nothing", () => {
    const a = x25519Key();
    expect(x25519Agree(a, new Uint8Array(32))).toBeNull();
    expect(x25519Agree(a, h("0100000000000000000000000000000000000000000000000000000000000000"))).toBeNull();
    expect(x25519Agree(a, new Uint8Array(31))).toBeNull();
  });
});

describe("OPEN without a secret", () => {
  test("the client picks X25519 without a secret and CPace with one", () => {
    expect(beginOpen("", SID).hello[6]).toBe(OpenAuth.X25519);
    expect(beginOpen("s3cret", SID).hello[6]).toBe(OpenAuth.CPACE);
    const bad = beginOpen("", SID).hello;
    bad[6] = 2;
    expect(() => decodeHello(bad)).toThrow(HandshakeError);
  });

  test("worked example (PROTOCOL.md §10): shares, K, keys and proofs", () => {
    const { hello } = startPlainOpen(SID, ALICE);
    hello.set(Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i), 24);
    expect(hex(hello)).toBe(
      "424e444301010100000102030405060708090a0b0c0d0e0fa0a1a2a3a4a5a6a7a8a9aaabacadaeaf" +
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    );
    const reply = h(
      "424e444301000000000102030405060708090a0b0c0d0e0fb0b1b2b3b4b5b6b7b8b9babbbcbdbebf" +
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" +
        "eaba3e0731441396f6491accac9fec85ecc974281dc25626980f6e416eca4a4d",
    );
    const keys = openKeys(x25519Agree(x25519Key(ALICE), reply.subarray(40, 72))!, hello, reply);
    expect(hex(keys.authKey)).toBe("9bfeaf6f60ed73335445727cdab748036499bb346217a0df3e445822008e97b3");
    expect(hex(keys.sessionKey)).toBe("10350858fcce0c5f1f1296549180ded1fb4f31402375ea32c925c345f5ba37e3");
    expect(serverProofOk(keys.authKey, hello, reply)).toBe(true);
    expect(hex(clientProof(keys.authKey, hello, reply))).toBe("549c17b7fbfaa38711d65a2945fcb072df6ea07ddf3ceb88abe96b6b96bd8084");
    // the server's side through the production code (same key, fresh nonce: same share, other proof)
    const server = answerAnyOpen("", decodeHello(hello), BOB);
    expect(hex(server.reply.subarray(40, 72))).toBe(hex(reply.subarray(40, 72)));
    expect(hex(server.keys.sessionKey)).not.toBe(hex(keys.sessionKey));
  });

  test("client and server agree on the session key; a forged server share fails with EAUTH", () => {
    const { hello, finish } = beginOpen("", SID);
    const { reply, keys } = answerAnyOpen("", decodeHello(hello));
    const client = finish(reply);
    expect(hex(client.sessionKey)).toBe(hex(keys.sessionKey));
    expect(serverProofOk(client.authKey, hello, reply)).toBe(true);
    const forged = reply.slice();
    forged.fill(0, 40, 72);
    const err = (() => {
      try {
        beginOpen("", SID).finish(forged);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(HandshakeError);
    expect((err as HandshakeError).code).toBe("EAUTH");
  });

  test("the ISK is domain-separated from CPace's (another label, so another key)", () => {
    const { hello } = startPlainOpen(SID, ALICE);
    const asCpace = hello.slice();
    asCpace[6] = OpenAuth.CPACE;
    const reply = new Uint8Array(104);
    const k = new Uint8Array(32).fill(7);
    expect(hex(openKeys(k, hello, reply).sessionKey)).not.toBe(hex(openKeys(k, asCpace, reply).sessionKey));
  });
});
