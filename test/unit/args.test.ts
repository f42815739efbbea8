import { describe, expect, test } from "bun:test";
import pkg from "../../package.json" with { type: "json" };
import { type Config, parseArgs } from "../../src/cli/args.ts";
import { DEFAULTS, LIMITS } from "../../src/cli/config.ts";
import * as exit from "../../src/cli/exit-codes.ts";
import { FLAGS } from "../../src/cli/flags.ts";
import { HELP_TEXT } from "../../src/cli/help.ts";
import { parseSize } from "../../src/cli/units.ts";
import { ConfigError, TransportError } from "../../src/contract/errors.ts";
import { PeerAbortError } from "../../src/core/errors.ts";
import { HandshakeError, ProtocolError, SessionError } from "../../src/core/errors.ts";
import { DEFAULT_MAX_PAYLOAD } from "../../src/core/frame.ts";

/** Parse and expect a run config. */
function run(argv: string[], env: Record<string, string | undefined> = {}): Config {
  const r = parseArgs(argv, env);
  if (r.kind !== "run") throw new Error(`expected a run config, got ${r.kind}`);
  return r.config;
}

/** Parse and expect a ConfigError; returns it. */
function fail(argv: string[], env: Record<string, string | undefined> = {}): ConfigError {
  try {
    parseArgs(argv, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.message).not.toContain("\n");
    expect(exit.exitCodeFor(err)).toBe(exit.EXIT_USAGE);
    return err;
  }
  throw new Error(`expected a ConfigError for ${JSON.stringify(argv)}`);
}

const hrefs = (urls: readonly URL[]): string[] => urls.map((u) => u.href);

describe("connect mode", () => {
  test("one endpoint, everything else default", () => {
    const c = run(["example.com:9000"]);
    expect(c.mode).toBe("connect");
    expect(hrefs(c.endpoints)).toEqual(["tcp://example.com:9000"]);
    expect(c).toMatchObject({
      listen: [], backup: [], multiplier: 1, verbose: 0, keepOpen: false, benchmark: false, autoDetect: true,
      headers: {}, scheduler: "default", chunkSize: DEFAULTS.chunkSize, sendBuffer: DEFAULTS.sendBuffer,
      recvWindow: DEFAULTS.recvWindow, maxMemory: DEFAULTS.maxMemory,
      tls: { insecure: false, pins: [], requireClientCert: false },
    });
    for (const k of ["relay", "exec", "idleTimeoutMs", "stats", "family", "proxy", "secret"] as const) {
      expect(k in c).toBe(false);
    }
  });

  test("several endpoints of every form, in order, duplicates kept", () => {
    const c = run(["h:1", "[::1]:2", "tls://h:3", "ws://h:4/a", "wss://h/b", "h:1"]);
    expect(hrefs(c.endpoints)).toEqual(["tcp://h:1", "tcp://[::1]:2", "tls://h:3", "ws://h:4/a", "wss://h/b", "tcp://h:1"]);
  });

  test("flags and endpoints interleave; -- ends the flags", () => {
    expect(run(["h:1", "-v", "h:2", "-x", "2"])).toMatchObject({ verbose: 1, multiplier: 2 });
    expect(hrefs(run(["-v", "--", "h:1", "h:2"]).endpoints)).toEqual(["tcp://h:1", "tcp://h:2"]);
    expect(fail(["--", "-v"]).code).toBe("EENDPOINT");
  });

  test("no endpoint is a usage error", () => {
    const err = fail([]);
    expect(err.code).toBe("EUSAGE");
    expect(err.message).toContain("no endpoint given");
    expect(fail(["-v"]).code).toBe("EUSAGE");
  });

  test("a bad endpoint is reported as such", () => {
    const err = fail(["example.com"]);
    expect(err.code).toBe("EENDPOINT");
    expect(err.message).toContain("missing port");
  });
});

describe("flags of the original Go bondcat", () => {
  test.each([
    [["-l"]], [["-listen"]], [["--listen"]], [["--l"]], [["-l=true"]], [["-listen=1"]], [["-listen=T"]],
  ])("%p → listen mode on a free port", (argv) => {
    const c = run(argv);
    expect(c.mode).toBe("listen");
    expect(hrefs(c.listen)).toEqual(["tcp://[::]:0"]);
    expect(c.endpoints).toEqual([]);
  });

  test("-listen=false keeps connect mode", () => {
    expect(run(["-listen=false", "h:1"]).mode).toBe("connect");
    expect(run(["-l", "-l=false", "h:1"]).mode).toBe("connect");
  });

  test.each([[["-p", "9000"]], [["-p=9000"]], [["-p9000"]], [["--port", "9000"]], [["-port=9000"]]])(
    "-l %p → tcp://[::]:9000",
    (argv) => {
      expect(hrefs(run(["-l", ...argv]).listen)).toEqual(["tcp://[::]:9000"]);
    },
  );

  test("-p 0 means a free port", () => {
    expect(hrefs(run(["-l", "-p", "0"]).listen)).toEqual(["tcp://[::]:0"]);
  });

  test.each([
    [["-x", "4"]], [["-x=4"]], [["-x4"]], [["-multiplier", "4"]], [["-multiplier=4"]], [["--multiplier", "4"]],
    [["--multiplier=4"]], [["-x", "+4"]],
  ])("%p → multiplier 4", (argv) => {
    expect(run([...argv, "h:1"]).multiplier).toBe(4);
  });

  test.each([[["-a"]], [["-no-auto-detect"]], [["--no-auto-detect"]], [["-a=true"]], [["-no-auto-detect=1"]]])(
    "%p → autoDetect off",
    (argv) => {
      expect(run([...argv, "h:1"]).autoDetect).toBe(false);
    },
  );

  test("-a=false / -no-auto-detect=false leave auto-detection on", () => {
    expect(run(["-a=false", "h:1"]).autoDetect).toBe(true);
    expect(run(["-a", "-no-auto-detect=false", "h:1"]).autoDetect).toBe(true);
  });

  test.each([
    [["-i", "10"], 10_000], [["-i=10"], 10_000], [["-i10"], 10_000], [["-idle-timeout", "30"], 30_000],
    [["-idle-timeout=2m"], 120_000], [["--idle-timeout", "500ms"], 500], [["-i", "1m30s"], 90_000], [["-i10s"], 10_000],
  ])("%p → idle timeout %p ms", (argv, ms) => {
    expect(run([...argv, "h:1"]).idleTimeoutMs).toBe(ms);
  });

  test("-i 0 means no idle timeout (as in the original)", () => {
    expect("idleTimeoutMs" in run(["-i", "0", "h:1"])).toBe(false);
  });

  test.each([[["-b"]], [["-benchmark"]], [["--benchmark"]], [["-b=true"]]])("%p → benchmark", (argv) => {
    expect(run([...argv, "h:1"]).benchmark).toBe(true);
  });

  test("--duration bounds a benchmark; without -b it is a usage error", () => {
    expect(run(["-b", "--duration", "10s", "h:1"]).benchmarkDurationMs).toBe(10_000);
    expect(run(["-l", "-b", "-duration=1m"]).benchmarkDurationMs).toBe(60_000);
    expect("benchmarkDurationMs" in run(["-b", "h:1"])).toBe(false);
    expect(fail(["--duration", "5s", "h:1"]).message).toBe("--duration applies to -b (benchmark) only");
    expect(fail(["-b", "--duration", "0", "h:1"]).code).toBe("EINVALID_VALUE");
  });

  test.each([
    [["-v"], 1], [["-verbose"], 1], [["--verbose"], 1], [["-vv"], 2], [["-v", "-v"], 2], [["-vvv"], 3],
    [["-v", "-verbose", "--verbose"], 3], [["--verbose=2"], 2], [["-v=true"], 1], [["-vv", "-v=false"], 0],
    [["-v=false", "-v"], 1], [["-lvv"], 2],
  ])("%p → verbose %p", (argv, n) => {
    const listen = argv.some((a) => a.startsWith("-l"));
    expect(run(listen ? argv : [...argv, "h:1"]).verbose).toBe(n);
  });

  test.each([[["-e", "cat"]], [["-exec", "cat"]], [["--exec=cat"]], [["-exec=cat"]]])("%p → exec [cat]", (argv) => {
    expect(run(["-l", ...argv]).exec).toEqual(["cat"]);
  });

  test("exec is split like a shell would, without running one", () => {
    expect(run(["-l", "-e", `sh -c 'echo "hi there"; cat'`]).exec).toEqual(["sh", "-c", 'echo "hi there"; cat']);
    expect(run(["-e", "cat -u", "h:1"]).exec).toEqual(["cat", "-u"]); // connect mode too
  });

  test.each([[["-relay", "127.0.0.1:22"]], [["--relay", "127.0.0.1:22"]], [["-relay=127.0.0.1:22"]], [["--relay", "tcp://127.0.0.1:22"]]])(
    "%p → relay",
    (argv) => {
      expect(run(["-l", "-k", ...argv]).relay?.href).toBe("tcp://127.0.0.1:22");
    },
  );

  test("-4 / -6", () => {
    expect(run(["-4", "h:1"]).family).toBe(4);
    expect(run(["-6", "h:1"]).family).toBe(6);
    expect(run(["--ipv4", "h:1"]).family).toBe(4);
    expect(run(["--ipv6", "h:1"]).family).toBe(6);
    expect(run(["-4", "-4=false", "h:1"]).family).toBeUndefined();
  });

  test("switches bundle: -lk, -lkv4, -ab", () => {
    expect(run(["-lk"])).toMatchObject({ mode: "listen", keepOpen: true });
    expect(run(["-lkv4"])).toMatchObject({ mode: "listen", keepOpen: true, verbose: 1, family: 4 });
    expect(run(["-ab", "h:1"])).toMatchObject({ autoDetect: false, benchmark: true });
  });

  test("a typical original invocation", () => {
    const c = run(["-multiplier", "2", "-no-auto-detect", "-idle-timeout", "60", "-verbose", "10.0.0.2:9000", "10.0.1.2:9000"]);
    expect(c).toMatchObject({ mode: "connect", multiplier: 2, autoDetect: false, idleTimeoutMs: 60_000, verbose: 1 });
    expect(hrefs(c.endpoints)).toEqual(["tcp://10.0.0.2:9000", "tcp://10.0.1.2:9000"]);
    expect(run(["-listen", "-p", "9000", "-relay", "localhost:22", "-v"])).toMatchObject({ mode: "listen", verbose: 1 });
  });
});

describe("listen addresses", () => {
  test("--listen URL is repeatable and implies listen mode", () => {
    const c = run(["--listen", "tcp://0.0.0.0:9000", "--listen", "wss://0.0.0.0:9443/bond"]);
    expect(c.mode).toBe("listen");
    expect(hrefs(c.listen)).toEqual(["tcp://0.0.0.0:9000", "wss://0.0.0.0:9443/bond"]);
  });

  test("-listen, --listen= and wildcard shorthands", () => {
    expect(hrefs(run(["-listen", ":9000"]).listen)).toEqual(["tcp://[::]:9000"]);
    expect(hrefs(run(["--listen=:9000"]).listen)).toEqual(["tcp://[::]:9000"]);
    expect(hrefs(run(["--listen", "9000", "-4"]).listen)).toEqual(["tcp://0.0.0.0:9000"]);
    expect(hrefs(run(["--listen", "127.0.0.1:0"]).listen)).toEqual(["tcp://127.0.0.1:0"]);
  });

  test("-l with --listen URL: only the URL; -p adds a tcp address first", () => {
    expect(hrefs(run(["-l", "--listen", "ws://[::1]:8080/b"]).listen)).toEqual(["ws://[::1]:8080/b"]);
    expect(hrefs(run(["-l", "-p", "9000", "--listen", "wss://[::]:9443/b"]).listen)).toEqual([
      "tcp://[::]:9000",
      "wss://[::]:9443/b",
    ]);
  });

  test("-listen does not swallow a following flag", () => {
    expect(hrefs(run(["-listen", "-p", "9000"]).listen)).toEqual(["tcp://[::]:9000"]);
    expect(hrefs(run(["--listen", "--", ]).listen)).toEqual(["tcp://[::]:0"]);
  });

  test("-l never takes a value: a following word is an endpoint, which listen mode rejects", () => {
    const err = fail(["-l", "0.0.0.0:9000"]);
    expect(err.code).toBe("ECONFLICT");
    expect(err.message).toContain("listen mode takes no endpoints");
    expect(err.message).toContain("--listen");
  });

  test("-4 picks 0.0.0.0; -6 and default pick [::]", () => {
    expect(hrefs(run(["-l", "-4"]).listen)).toEqual(["tcp://0.0.0.0:0"]);
    expect(hrefs(run(["-l", "-6"]).listen)).toEqual(["tcp://[::]:0"]);
  });

  test("errors", () => {
    expect(fail(["-p", "9000", "h:1"]).message).toContain("-p PORT needs -l");
    expect(fail(["--port=9000"]).message).toContain("--port PORT needs -l");
    expect(fail(["-l", "-p", "70000"]).message).toContain("invalid value '70000' for -p");
    expect(fail(["-l", "-p", "http"]).code).toBe("EINVALID_VALUE");
    expect(fail(["-l", "-p", "-1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["--listen", "tcp://h"]).code).toBe("EENDPOINT");
    expect(fail(["--listen", ":1", "--listen", "tcp://[::]:1"]).message).toContain("given twice");
    expect(fail(["-l", "-p", "1", "--listen", ":1"]).message).toContain("given twice");
  });
});

describe("values", () => {
  test("multiplier range 1-64; last one wins", () => {
    expect(run(["-x", "64", "h:1"]).multiplier).toBe(64);
    expect(run(["-x", "2", "-x", "3", "h:1"]).multiplier).toBe(3);
    for (const v of ["0", "65", "-1", "1.5", "two", "", "4k"]) {
      const err = fail(["-x", v, "h:1"]);
      expect(err.code).toBe("EINVALID_VALUE");
      expect(err.message).toBe(`invalid value '${v}' for -x: expected an integer 1-64`);
    }
    expect(fail(["-multiplier=0", "h:1"]).message).toContain("for -multiplier");
  });

  test("idle timeout errors", () => {
    expect(fail(["-i", "soon", "h:1"]).message).toContain("expected a duration");
    expect(fail(["-i", "-5", "h:1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["-i", "30d", "h:1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["-i", "999h", "h:1"]).message).toContain("must be");
  });

  test("--stats with and without an interval", () => {
    expect(run(["--stats", "h:1"]).stats).toEqual({ intervalMs: 1000, json: false });
    expect(hrefs(run(["--stats", "h:1"]).endpoints)).toEqual(["tcp://h:1"]);
    expect(run(["--stats", "5s", "h:1"]).stats).toEqual({ intervalMs: 5000, json: false });
    expect(run(["--stats", "2", "h:1"]).stats).toEqual({ intervalMs: 2000, json: false });
    expect(run(["--stats=250ms", "h:1"]).stats).toEqual({ intervalMs: 250, json: false });
    expect(run(["-stats", "10.0.0.1:9000"]).stats).toEqual({ intervalMs: 1000, json: false });
    expect(run(["--stats-json", "h:1"]).stats).toEqual({ intervalMs: 1000, json: true });
    expect(run(["--stats", "3s", "--stats-json", "h:1"]).stats).toEqual({ intervalMs: 3000, json: true });
    expect(fail(["--stats=0", "h:1"]).message).toContain("must be 100ms-");
    expect(fail(["--stats=often", "h:1"]).code).toBe("EINVALID_VALUE");
  });

  test("sizes with units and ranges", () => {
    const c = run(["--chunk-size", "64k", "--send-buffer=32M", "--recv-window", "1048576", "h:1"]);
    expect(c).toMatchObject({ chunkSize: 65536, sendBuffer: 32 * 1024 * 1024, recvWindow: 1024 * 1024 });
    expect(run(["--chunk-size", "1M", "h:1"]).chunkSize).toBe(DEFAULT_MAX_PAYLOAD);
    expect(fail(["--chunk-size", "2M", "h:1"]).message).toBe("invalid value '2M' for --chunk-size: must be 1KiB-1MiB");
    expect(fail(["--chunk-size", "512", "h:1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["--send-buffer", "4k", "h:1"]).message).toContain("must be 64KiB-1GiB");
    expect(fail(["--recv-window", "2G", "h:1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["--recv-window", "lots", "h:1"]).message).toContain("expected a size");
    expect(fail(["--chunk-size", "1M", "--recv-window", "512k", "h:1"]).message).toContain("--recv-window (512KiB) must be at least --chunk-size (1MiB)");
    expect(fail(["--chunk-size", "1M", "--send-buffer", "512k", "h:1"]).code).toBe("ECONFLICT");
  });

  test("--scheduler", () => {
    expect(run(["--scheduler", "redundant", "h:1"]).scheduler).toBe("redundant");
    expect(run(["--scheduler=default", "h:1"]).scheduler).toBe("default");
    expect(fail(["--scheduler", "fastest", "h:1"]).message).toContain("expected default or redundant");
  });

  test("--secret and BONDCAT_SECRET", () => {
    expect(run(["--secret", "s3", "h:1"]).secret).toBe("s3");
    expect(run(["h:1"], { BONDCAT_SECRET: "env" }).secret).toBe("env");
    expect(run(["--secret=flag", "h:1"], { BONDCAT_SECRET: "env" }).secret).toBe("flag");
    expect("secret" in run(["h:1"], { BONDCAT_SECRET: "" })).toBe(false);
    expect(fail(["--secret=", "h:1"]).message).toContain("cannot be empty");
  });

  test("--backup accumulates endpoints", () => {
    const c = run(["h:1", "--backup", "lte:1", "--backup", "wss://b.example/bond"]);
    expect(hrefs(c.backup)).toEqual(["tcp://lte:1", "wss://b.example/bond"]);
    expect(fail(["h:1", "--backup", "lte"]).code).toBe("EENDPOINT");
  });

  test("-H headers accumulate; a repeated name joins", () => {
    const c = run(["-H", "Authorization: Bearer x", "--header=X-A: 1", "-header", "x-a:2", "wss://h/b"]);
    expect(c.headers).toEqual({ Authorization: "Bearer x", "X-A": "1, 2" });
    expect(fail(["-H", "NoColon", "h:1"]).message).toContain("expected 'Name: value'");
    expect(fail(["-H", "Bad Name: v", "h:1"]).message).toContain("not a valid header name");
    expect(fail(["-H", "X: a\r\nY: b", "h:1"]).message).toContain("line breaks");
  });

  test("--proxy", () => {
    expect(run(["--proxy", "http://user:pw@proxy:3128", "h:1"]).proxy).toBe("http://user:pw@proxy:3128/");
    expect(run(["--proxy", "proxy.corp:3128", "h:1"]).proxy).toBe("http://proxy.corp:3128/");
    expect(run(["--proxy", "socks5://127.0.0.1:1080", "h:1"]).proxy).toBe("socks5://127.0.0.1:1080");
    expect(run(["--proxy", "none", "h:1"]).proxy).toBeNull();
    expect(run(["--proxy=", "h:1"]).proxy).toBeNull();
    expect(fail(["--proxy", "ftp://p:21", "h:1"]).message).toContain("unsupported proxy scheme");
    expect(fail(["--proxy", "socks5://p", "h:1"]).message).toContain("missing port");
    expect(fail(["--proxy", "http://", "h:1"]).code).toBe("EINVALID_VALUE");
  });
});

describe("TLS options", () => {
  const pin = "sha256:" + "AB".repeat(32);
  test("connect side", () => {
    const c = run(["--ca", "ca.pem", "--insecure", "--pin", pin, "--pin", `sha256:${"0f:".repeat(31)}0f`,
      "--servername", "relay.example", "--client-cert", "c.pem", "--client-key", "c.key", "tls://h:1"]);
    expect(c.tls).toEqual({
      ca: "ca.pem", insecure: true, pins: [`sha256:${"ab".repeat(32)}`, `sha256:${"0f".repeat(32)}`],
      servername: "relay.example", clientCert: "c.pem", clientKey: "c.key", requireClientCert: false,
    });
  });

  test("listen side", () => {
    const c = run(["--listen", "tls://[::]:9443", "--cert", "s.pem", "--key", "s.key", "--ca", "ca.pem", "--require-client-cert"]);
    expect(c.tls).toMatchObject({ cert: "s.pem", key: "s.key", ca: "ca.pem", requireClientCert: true });
  });

  test("errors", () => {
    expect(fail(["-l", "--cert", "s.pem"]).message).toBe("--cert and --key go together");
    expect(fail(["--client-key", "k", "h:1"]).message).toBe("--client-cert and --client-key go together");
    expect(fail(["-l", "--require-client-cert"]).message).toContain("needs --ca");
    expect(fail(["--pin", "sha256:abcd", "h:1"]).message).toContain("64 hex digits");
    expect(fail(["--pin", "AB".repeat(32), "h:1"]).code).toBe("EINVALID_VALUE");
    expect(fail(["--ca=", "h:1"]).code).toBe("EINVALID_VALUE");
    const err = fail(["--cert", "c.pem", "--key", "k.pem", "h:1"]);
    expect(err.message).toContain("--cert applies to listen mode only");
    expect(err.message).toContain("--client-cert");
  });
});

describe("conflicts", () => {
  test.each([
    [["-4", "-6", "h:1"], "-4 and -6 cannot be combined"],
    [["-l", "h:1"], "listen mode takes no endpoints"],
    [["-l", "--relay", "h:22", "-e", "cat"], "--relay and -e cannot be combined"],
    [["-l", "-exec", "cat", "-b"], "-exec and -b cannot be combined"],
    [["--relay", "h:22", "-benchmark", "h:1"], "--relay and -benchmark cannot be combined"],
    [["-k", "h:1"], "-k applies to listen mode only"],
    [["-l", "-x", "2"], "-x applies to connect mode only"],
    [["-l", "--backup", "h:1"], "--backup applies to connect mode only"],
    [["-l", "--proxy", "http://p:1"], "--proxy applies to connect mode only"],
    [["-l", "-H", "A: b"], "-H applies to connect mode only"],
    [["-l", "--insecure"], "--insecure applies to connect mode only"],
    [["--require-client-cert", "--ca", "c", "h:1"], "--require-client-cert applies to listen mode only"],
    [["-4", "[::1]:1"], "endpoint [::1]:1 is IPv6 but -4 was given"],
    [["-6", "127.0.0.1:1"], "endpoint 127.0.0.1:1 is IPv4 but -6 was given"],
  ])("%p → %p", (argv, message) => {
    const err = fail(argv);
    expect(["ECONFLICT", "EUSAGE"]).toContain(err.code);
    expect(err.message).toContain(message);
  });

  test("-4 / -6 with host names is fine", () => {
    expect(run(["-4", "example.com:1"]).family).toBe(4);
    expect(run(["-6", "example.com:1", "[::1]:2"]).family).toBe(6);
  });

  test("relay target must be plain TCP; exec must be a command", () => {
    expect(fail(["-l", "--relay", "tls://h:1"]).message).toContain("plain TCP");
    expect(fail(["-l", "--relay", "h"]).code).toBe("EENDPOINT");
    expect(fail(["-l", "-e", "sh -c 'oops"]).message).toContain("unterminated quote");
    expect(fail(["-l", "-e", "  "]).message).toContain("empty command");
  });
});

describe("unknown and malformed flags", () => {
  test.each([
    [["-lisen"], "unknown option -lisen; did you mean -listen?"],
    [["--lisen"], "unknown option --lisen; did you mean --listen?"],
    [["-multipler", "2", "h:1"], "unknown option -multipler; did you mean -multiplier?"],
    [["--verbos", "h:1"], "unknown option --verbos; did you mean --verbose?"],
    [["-no-autodetect", "h:1"], "unknown option -no-autodetect; did you mean -no-auto-detect?"],
    [["--idle", "5", "h:1"], "unknown option --idle; did you mean --idle-timeout?"],
    [["--realy", "h:1"], "unknown option --realy; did you mean --relay?"],
    [["--keepopen", "-l"], "unknown option --keepopen; did you mean --keep-open?"],
    [["--stat", "h:1"], "unknown option --stat; did you mean --stats?"],
    [["-z", "h:1"], "unknown option -z (see bondcat --help)"],
    [["--frobnicate", "h:1"], "unknown option --frobnicate (see bondcat --help)"],
    [["-lz"], "unknown option -lz"],
    [["-lk=true"], "unknown option -lk"],
    [["--lk"], "unknown option --lk"],
  ])("%p → %p", (argv, message) => {
    const err = fail(argv);
    expect(err.code).toBe("EUNKNOWN_OPTION");
    expect(err.message.startsWith(message)).toBe(true);
  });

  test("missing values", () => {
    for (const flag of ["-x", "-multiplier", "--relay", "-e", "-i", "-p", "--secret", "--backup", "-H", "--pin"]) {
      const err = fail(["h:1", flag]);
      expect(err.code).toBe("EMISSING_VALUE");
      expect(err.message.startsWith(`option ${flag} needs a value`)).toBe(true);
    }
  });

  test("a value flag takes the next argument even when it starts with a dash (as Go does)", () => {
    expect(fail(["-x", "-v", "h:1"]).message).toBe("invalid value '-v' for -x: expected an integer 1-64");
    expect(run(["--secret", "-s3cret-", "h:1"]).secret).toBe("-s3cret-");
  });

  test("switches reject non-boolean values", () => {
    expect(fail(["-l=yes"]).code).toBe("EENDPOINT"); // -l=VALUE other than a bool is a listen URL
    expect(fail(["--keep-open=yes", "-l"]).message).toBe("invalid value 'yes' for --keep-open: expected true or false");
    expect(fail(["-v=lots", "h:1"]).code).toBe("EINVALID_VALUE");
  });

  test("the first error is reported", () => {
    expect(fail(["-lisen", "--bogus"]).message).toContain("-lisen");
  });
});

describe("help and version", () => {
  test.each([[["-h"]], [["--help"]], [["-help"]], [["h:1", "-v", "--help"]], [["-lisen", "-h"]], [["-x", "0", "-h"]]])(
    "%p → help",
    (argv) => {
      const r = parseArgs(argv, {});
      expect(r.kind).toBe("help");
      if (r.kind === "help") expect(r.text).toBe(HELP_TEXT);
    },
  );

  test.each([[["--version"]], [["-version"]], [["-v", "--version"]]])("%p → version", (argv) => {
    expect(parseArgs(argv, {})).toEqual({
      kind: "version",
      text: `bondcat ${pkg.version} (bun ${Bun.version}, ${process.platform} ${process.arch})`,
    });
  });

  test("-H is a header, not help", () => {
    expect(parseArgs(["-H", "A: b", "h:1"], {}).kind).toBe("run");
  });

  test("the help lists every flag, the examples, the environment and the exit codes", () => {
    for (const f of FLAGS) {
      expect(HELP_TEXT).toContain(`--${f.name}`);
      if (f.short !== undefined) expect(HELP_TEXT).toContain(`-${f.short}, --${f.name}`);
    }
    for (const s of ["ProxyCommand", "--relay 127.0.0.1:22", "--backup", "--proxy http://", "wss://", "BONDCAT_SECRET", "EXIT CODES"]) {
      expect(HELP_TEXT).toContain(s);
    }
    for (const [code, text] of exit.EXIT_CODE_TABLE) expect(HELP_TEXT).toContain(`${String(code).padStart(3)}  ${text}`);
    expect(HELP_TEXT).not.toMatch(/\u001B\[/);
    expect(HELP_TEXT).not.toMatch(/[ \t]$/m);
  });

  test("defaults shown in help are the defaults used", () => {
    const text = (name: string): string => FLAGS.find((f) => f.name === name)?.defaultText ?? "";
    expect(parseSize(text("chunk-size"))).toBe(DEFAULTS.chunkSize);
    expect(parseSize(text("send-buffer"))).toBe(DEFAULTS.sendBuffer);
    expect(parseSize(text("recv-window"))).toBe(DEFAULTS.recvWindow);
    expect(Number(text("multiplier"))).toBe(DEFAULTS.multiplier);
    expect(text("scheduler")).toBe(DEFAULTS.scheduler);
    expect(LIMITS.chunkSize[1]).toBe(DEFAULT_MAX_PAYLOAD);
  });

  test("--max-memory: a size, 16M-1T; the default is 1G or a quarter of the machine's memory", () => {
    expect(run(["-l", "-p", "0", "--max-memory", "64M"]).maxMemory).toBe(64 << 20);
    expect(DEFAULTS.maxMemory).toBeLessThanOrEqual(1 << 30);
    expect(DEFAULTS.maxMemory).toBeGreaterThan(0);
    expect(() => run(["-l", "-p", "0", "--max-memory", "1M"])).toThrow();
  });

  test("flag names and short forms are unique", () => {
    const names = FLAGS.flatMap((f) => [f.name, ...(f.aliases ?? [])]);
    expect(new Set(names).size).toBe(names.length);
    const shorts = FLAGS.flatMap((f) => (f.short === undefined ? [] : [f.short]));
    expect(new Set(shorts).size).toBe(shorts.length);
  });
});

describe("exit codes", () => {
  test("constants and table agree, codes are distinct", () => {
    expect([exit.EXIT_OK, exit.EXIT_FAILURE, exit.EXIT_USAGE, exit.EXIT_CONNECT, exit.EXIT_LISTEN, exit.EXIT_PROTOCOL,
      exit.EXIT_HANGUP, exit.EXIT_INTERRUPTED, exit.EXIT_TERMINATED]).toEqual([0, 1, 2, 3, 4, 5, 129, 130, 143]);
    const codes = exit.EXIT_CODE_TABLE.map(([c]) => c);
    expect(codes).toEqual([0, 1, 2, 3, 4, 5, 129, 130, 143]);
  });

  test("exitCodeFor maps error classes and codes", () => {
    expect(exit.exitCodeFor(new ConfigError("EUSAGE", "x"))).toBe(2);
    expect(exit.exitCodeFor(new TransportError("ECONNREFUSED", "x"))).toBe(3);
    expect(exit.exitCodeFor(new TransportError("ENOTFOUND", "x"))).toBe(3);
    expect(exit.exitCodeFor(new TransportError("ETIMEDOUT", "x"))).toBe(3);
    expect(exit.exitCodeFor(new TransportError("EADDRINUSE", "x"))).toBe(4);
    expect(exit.exitCodeFor(new TransportError("EACCES", "x"))).toBe(4);
    expect(exit.exitCodeFor(new TransportError("ELISTEN", "x"))).toBe(4); // proxy-front's bind failure
    expect(exit.exitCodeFor(new HandshakeError("EAUTH", "x"))).toBe(5);
    expect(exit.exitCodeFor(new ProtocolError("EFRAME", "x"))).toBe(5);
    expect(exit.exitCodeFor(new SessionError("EABORTED", "x"))).toBe(1);
    expect(exit.exitCodeFor(new DOMException("stop", "AbortError"))).toBe(130);
    expect(exit.exitCodeFor(new Error("boom"))).toBe(1);
    expect(exit.exitCodeFor("weird")).toBe(1);
  });
});

describe("--compat v0 (the original bondcat's wire format)", () => {
  test("accepted on both sides; other values and a dialer with a secret are usage errors", () => {
    expect(run(["--compat", "v0", "h:1"]).compat).toBe("v0");
    expect(run(["-l", "--compat=v0", "--secret", "s"]).compat).toBe("v0"); // the listener refuses v0 at run time
    expect(run(["h:1"]).compat).toBeUndefined();
    expect(fail(["--compat", "v1", "h:1"]).message).toMatch(/expected v0/);
    expect(fail(["--compat", "v0", "--secret", "s", "h:1"]).message).toMatch(/no authentication/);
    expect(fail(["--compat", "v0", "h:1"], { BONDCAT_SECRET: "s" }).message).toMatch(/no authentication/);
  });

  test("a NORMAL abort (a v0 peer closed the connection after everything was written out) exits 0", () => {
    expect(exit.exitCodeFor(new PeerAbortError(0, "the v0 peer closed the connection"))).toBe(exit.EXIT_OK);
    expect(exit.exitCodeFor(new PeerAbortError(2, "protocol"))).toBe(exit.EXIT_FAILURE);
  });
});
