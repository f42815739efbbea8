/**
 * The secret can only be guessed online: a dictionary that contains the real secret, run offline against
 * one captured OPEN exchange, finds nothing, as a prober, a fake server or an eavesdropper. The same
 * harness against the pre-CPace HMAC scheme finds the secret (so these assertions can fail).
 * bench/offline-attack.ts runs the same attack with 1M candidates.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { startOpen } from "../../src/core/handshake.ts";
import { killAll, startListener } from "../helpers/cli.ts";
import { capture, crack, dictionary, type Role } from "../helpers/offline-attack.ts";
import { RawClient } from "../helpers/raw-client.ts";

const SECRET = "letmein4242";
const GUESS = "password1"; // the attacker's one live guess
const ROLES: Role[] = ["prober", "fake-server", "eavesdropper"];
const SIZE = 2000;

afterAll(killAll);

describe("offline dictionary attack on one captured OPEN", () => {
  test.each(ROLES)("CPace, %s: nothing found", (role) => {
    const r = crack(capture("cpace", role, SECRET, GUESS), dictionary(SIZE, SECRET, GUESS));
    expect(r.tried).toBe(SIZE);
    expect(r.found).toEqual([]);
  });

  test.each(["prober", "eavesdropper"] as Role[])("the old HMAC scheme, %s: the secret is found", (role) => {
    const r = crack(capture("hmac", role, SECRET, GUESS), dictionary(SIZE, SECRET, GUESS));
    expect(r.found).toEqual([SECRET]);
  });

  test("the old HMAC scheme, fake server: nothing to test (the client checked the server's proof first)", () => {
    const c = capture("hmac", "fake-server", SECRET, GUESS);
    expect(c.proof).toBeNull();
    expect(crack(c, dictionary(SIZE, SECRET, GUESS)).found).toEqual([]);
  });

  test("CPace: a live guess that is right is confirmed (the harness can find a secret)", () => {
    for (const role of ["prober", "fake-server"] as Role[]) {
      expect(crack(capture("cpace", role, SECRET, SECRET), dictionary(50, SECRET, GUESS)).found).toEqual([SECRET]);
    }
  });

  test("a REPLY captured from a real listener with --secret gives the prober nothing offline", async () => {
    const { port } = await startListener(["--secret", SECRET, "-p", "0"]);
    const c = await RawClient.open(port);
    const { hello, scalar } = startOpen(GUESS, crypto.getRandomValues(new Uint8Array(16)));
    c.send(hello);
    const reply = await c.read(104);
    c.destroy();
    expect(reply[5]).toBe(0); // OK: the listener answered with its share and proof
    const r = crack({ scheme: "cpace", role: "prober", hello, reply, proof: null, scalars: [scalar] }, dictionary(SIZE, SECRET, GUESS));
    expect(r.found).toEqual([]);
    // the same REPLY with the right live guess would have confirmed it: here the guess was wrong
    const right = crack({ scheme: "cpace", role: "prober", hello, reply, proof: null, scalars: [scalar] }, [GUESS]);
    expect(right.found).toEqual([]);
  });
});
