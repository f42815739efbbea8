/** Handshakes a raw-socket attacker test performs by hand (message builders from handshake.ts, no engine). */
import { clientProof, encodeHello, finishOpen, HelloKind, startOpen } from "../../src/core/handshake.ts";
import { RawClient } from "./raw-client.ts";

export const randomId = (): Uint8Array => crypto.getRandomValues(new Uint8Array(16));

/** A complete OPEN (PROOF sent): the session exists on the listener; the client reads nothing more. */
export async function rawOpen(port: number, secret = "", id = randomId()): Promise<{ c: RawClient; status: number }> {
  const c = await RawClient.open(port);
  const { hello, scalar } = startOpen(secret, id);
  c.send(hello);
  const reply = await c.read(104);
  if (reply[5] === 0) c.send(clientProof(finishOpen(scalar, hello, reply).authKey, hello, reply));
  return { c, status: reply[5]! };
}

/** A HELLO that the listener must refuse, with the REPLY's status. */
export async function refusedHello(port: number, kind: "unknown-session" | "bad-version" | "exists", id = randomId()): Promise<{ c: RawClient; status: number }> {
  const c = await RawClient.open(port);
  const hello = kind === "exists" ? startOpen("", id).hello : encodeHello(HelloKind.JOIN, id, null);
  if (kind === "bad-version") hello[4] = 9;
  c.send(hello);
  const reply = await c.read(104);
  return { c, status: reply[5]! };
}
