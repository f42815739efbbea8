/** Library options are validated like the command line: unknown keys and bad values are ConfigErrors. */
import { describe, expect, test } from "bun:test";
import { type BondOptions, ConfigError, connect, DEFAULTS, listen, resolveOptions } from "../../src/api/index.ts";
import { DEFAULTS as CLI_DEFAULTS } from "../../src/cli/config.ts";
import { DEFAULT_OPTIONS } from "../../src/core/options.ts";

function configError(f: () => unknown): ConfigError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("no error thrown");
}

describe("resolveOptions", () => {
  test("defaults: one set, shared by the engine, the library and the CLI (8 MiB buffers, 10 s dial timeout)", () => {
    const r = resolveOptions({});
    expect(r.session.sendBuffer).toBe(8 << 20);
    expect(r.session.recvWindow).toBe(8 << 20);
    expect(r.dialTimeoutMs).toBe(10_000);
    expect(r.multiplier).toBe(1);
    expect(r.autoDetect).toBe(true);
    expect(DEFAULT_OPTIONS.sendBuffer).toBe(DEFAULTS.sendBuffer);
    for (const k of ["chunkSize", "sendBuffer", "recvWindow", "scheduler", "multiplier"] as const) expect(CLI_DEFAULTS[k]).toBe(DEFAULTS[k]);
  });

  test("an unknown key is a ConfigError naming it", () => {
    const e = configError(() => resolveOptions({ multipler: 2 } as BondOptions));
    expect(e.code).toBe("EOPTION");
    expect(e.message).toContain("multipler");
    expect(configError(() => resolveOptions({ session: { sendBuffr: 1 } } as unknown as BondOptions)).message).toContain("session.sendBuffr");
  });

  test.each([
    [{ multiplier: 0 }, "multiplier"],
    [{ multiplier: 1.5 }, "multiplier"],
    [{ multiplier: 65 }, "multiplier"],
    [{ family: 5 }, "family"],
    [{ insecure: "yes" }, "insecure"],
    [{ pin: "sha256:00" }, "pin"],
    [{ headers: { a: 1 } }, "headers"],
    [{ dialTimeoutMs: -1 }, "dialTimeoutMs"],
    [{ signal: {} }, "signal"],
    [{ backup: "h:1" }, "backup"],
    [{ session: { chunkSize: 100 } }, "session.chunkSize"],
    [{ session: { scheduler: "fastest" } }, "session.scheduler"],
    [{ session: { recvWindow: 2 ** 31 } }, "session.recvWindow"],
    [{ session: { heartbeatMs: Number.NaN } }, "session.heartbeatMs"],
    [{ session: { chunkSize: 1 << 20, sendBuffer: 512 << 10 } }, "session.sendBuffer"],
    [{ trace: "stderr" }, "trace"],
    [{ session: { trace: () => {} } }, "session.trace"],
  ] as [unknown, string][])("%p is refused (%s)", (o, key) => {
    const e = configError(() => resolveOptions(o as BondOptions));
    expect(e.code).toBe("EOPTION");
    expect(e.message.startsWith(`${key}:`)).toBe(true);
  });

  test("valid options pass through, undefined values are ignored", () => {
    const ac = new AbortController();
    const r = resolveOptions({ multiplier: 3, family: 6, insecure: true, proxy: null, signal: ac.signal, session: { secret: "s", scheduler: "redundant" }, servername: undefined });
    expect(r.multiplier).toBe(3);
    expect(r.transport).toEqual({ insecure: true, proxy: null, family: 6 });
    expect(r.session.secret).toBe("s");
    expect(r.session.scheduler).toBe("redundant");
    expect(r.signal).toBe(ac.signal);
    expect(r.session.trace).toBeNull(); // tracing is off unless asked for
    const trace = () => {};
    expect(resolveOptions({ trace }).session.trace).toBe(trace);
  });

  test("connect() and listen() reject bad options before any socket opens", async () => {
    expect(await connect("127.0.0.1:9", { chunkSize: 1 } as BondOptions).catch((e) => e)).toBeInstanceOf(ConfigError);
    expect(await listen("127.0.0.1:0", { session: { graceMs: 0 } }, () => {}).catch((e) => e)).toBeInstanceOf(ConfigError);
  });
});
