/** The library API: connect/listen give Duplex streams over bonded sessions. */
import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connect, listen, type BondedStream } from "../../src/index.ts";
import { memoryTransport } from "../helpers/memory-transport.ts";

const MiB = 1 << 20;

function collect(s: BondedStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  s.on("data", (c: Buffer) => parts.push(Buffer.from(c)));
  return new Promise((res, rej) => {
    s.on("end", () => res(Buffer.concat(parts)));
    s.on("error", rej);
  });
}

describe("library API", () => {
  test("echo server over TCP with 3 subflows: 8 MiB round-trips identical", async () => {
    const server = await listen("tcp://127.0.0.1:0", {}, (s) => s.pipe(s));
    const port = server.listeners[0]!.port;
    const stream = await connect(`127.0.0.1:${port}`, { multiplier: 3 });
    const data = new Uint8Array(8 * MiB);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    const got = collect(stream);
    stream.end(data);
    const back = await got;
    expect(createHash("sha256").update(back).digest("hex")).toBe(createHash("sha256").update(data).digest("hex"));
    await new Promise((r) => stream.on("close", r));
    expect(stream.stats()?.subflows.length ?? 0).toBe(0);
    await server.close();
  });

  test("a third-party transport plugin is registered and used for a whole session", async () => {
    const mem = memoryTransport({ name: "plugtest", link: { delayMs: 2, chunkSplit: true, seed: 9 } });
    const server = await listen("plugtest://api-demo", { transports: [mem] }, (s) => s.pipe(s));
    const stream = await connect("plugtest://api-demo", { transports: [mem], multiplier: 2 });
    const got = collect(stream);
    stream.end("hello through a plugin");
    expect((await got).toString()).toBe("hello through a plugin");
    expect(mem.pairs.length).toBe(2);
    await server.close();
  });

  test("connect to nothing rejects with a TransportError code", async () => {
    const err = await connect("127.0.0.1:1").catch((e) => e);
    expect(err.code).toBe("ECONNREFUSED");
  });
});
