import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/contract/errors.ts";
import type { Pipe } from "../../src/contract/pipe.ts";
import { TransportRegistry } from "../../src/paths/registry.ts";
import type { Transport } from "../../src/contract/transport.ts";
import { builtinTransports } from "../../transports/index.ts";
import { MemoryNetwork, memoryTransport } from "../helpers/memory-transport.ts";

function fake(name: string, schemes: string[]): Transport {
  return {
    name,
    schemes,
    dial: () => Promise.reject(new Error("not used")),
    listen: () => Promise.reject(new Error("not used")),
  };
}

describe("TransportRegistry", () => {
  test("get() by scheme or URL protocol, case-insensitive", () => {
    const ws = fake("ws", ["ws", "wss"]);
    const reg = new TransportRegistry().register(fake("tcp", ["tcp"])).register(ws);
    expect(reg.get("wss")).toBe(ws);
    expect(reg.get("WS:")).toBe(ws);
    expect(reg.has("tcp")).toBe(true);
    expect(reg.has("tls")).toBe(false);
    expect(reg.schemes()).toEqual(["tcp", "ws", "wss"]);
  });

  test("an unknown scheme is a ConfigError listing the registered ones", () => {
    const reg = new TransportRegistry([fake("tcp", ["tcp"]), fake("ws", ["ws"])]);
    let err: unknown;
    try {
      reg.get("quic");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe("EUNKNOWNSCHEME");
    expect((err as ConfigError).message).toContain("tcp, ws");
  });

  test("dial/listen with an unknown scheme reject (not throw)", async () => {
    const reg = new TransportRegistry();
    const p = reg.dial(new URL("nope://x:1"));
    await expect(p).rejects.toBeInstanceOf(ConfigError);
    await expect(reg.listen(new URL("nope://x:1"), {}, () => {})).rejects.toBeInstanceOf(ConfigError);
  });

  test("registering a taken scheme is a ConfigError and adds nothing", () => {
    const reg = new TransportRegistry([fake("tcp", ["tcp"])]);
    let err: unknown;
    try {
      reg.register(fake("other", ["udp", "TCP"]));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe("EDUPSCHEME");
    expect(reg.schemes()).toEqual(["tcp"]);
  });

  test("a transport without schemes or with a bad scheme is rejected", () => {
    expect(() => new TransportRegistry([fake("x", [])])).toThrow(ConfigError);
    expect(() => new TransportRegistry([fake("x", ["no spaces"])])).toThrow(ConfigError);
  });

  test("dial and listen go to the transport of the URL's scheme", async () => {
    const reg = new TransportRegistry([memoryTransport({ network: new MemoryNetwork() })]);
    const accepted: Pipe[] = [];
    const l = await reg.listen(new URL("mem://reg"), {}, (p) => accepted.push(p));
    const pipe = await reg.dial(l.url);
    expect(pipe.info.transport).toBe("mem");
    expect(accepted.length).toBe(1);
    pipe.abort();
    await l.close();
  });

  test("the built-in transports register without conflicts", () => {
    const reg = new TransportRegistry(builtinTransports());
    expect(reg.schemes()).toContain("tcp");
  });
});
