import { describe, expect, test } from "bun:test";
import { ConfigError } from "../../src/contract/errors.ts";
import { urlHost, urlPort } from "../../src/contract/address.ts";
import { formatEndpoint, parseEndpoint } from "../../src/paths/endpoint.ts";

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("parseEndpoint: accepted forms", () => {
  test.each([
    // text, href, hostname for sockets, port
    ["example.com:9000", "tcp://example.com:9000", "example.com", 9000],
    ["10.0.0.1:1", "tcp://10.0.0.1:1", "10.0.0.1", 1],
    ["localhost:65535", "tcp://localhost:65535", "localhost", 65535],
    ["[::1]:9000", "tcp://[::1]:9000", "::1", 9000],
    ["[2001:db8::1]:443", "tcp://[2001:db8::1]:443", "2001:db8::1", 443],
    ["[::ffff:192.0.2.1]:80", "tcp://[::ffff:c000:201]:80", "::ffff:c000:201", 80],
    ["tcp://example.com:9000", "tcp://example.com:9000", "example.com", 9000],
    ["TCP://Example.COM:9000", "tcp://example.com:9000", "example.com", 9000],
    ["tcp://example.com:9000/", "tcp://example.com:9000", "example.com", 9000],
    ["tls://example.com:9443", "tls://example.com:9443", "example.com", 9443],
    ["tls://[::1]:9443", "tls://[::1]:9443", "::1", 9443],
    ["ws://example.com:8080/bond", "ws://example.com:8080/bond", "example.com", 8080],
    ["wss://example.com:9443/bond", "wss://example.com:9443/bond", "example.com", 9443],
    ["wss://[::1]:9443/bond?x=1", "wss://[::1]:9443/bond?x=1", "::1", 9443],
    ["ws://example.com/bond", "ws://example.com/bond", "example.com", 80],
    ["wss://example.com/bond", "wss://example.com/bond", "example.com", 443],
    ["wss://example.com", "wss://example.com/", "example.com", 443],
    ["wss://example.com:443/bond", "wss://example.com/bond", "example.com", 443],
    ["  example.com:9000  ", "tcp://example.com:9000", "example.com", 9000],
    ["tcp://h:0009", "tcp://h:9", "h", 9],
    ["quic://example.com:4433", "quic://example.com:4433", "example.com", 4433], // scheme checked later, by the registry
  ])("%p", (text, href, host, port) => {
    const url = parseEndpoint(text);
    expect(url.href).toBe(href);
    expect(urlHost(url)).toBe(host);
    expect(urlPort(url)).toBe(port);
  });

  test("defaultScheme applies to bare host:port only", () => {
    expect(parseEndpoint("h:1", "tls").href).toBe("tls://h:1");
    expect(parseEndpoint("tcp://h:1", "tls").href).toBe("tcp://h:1");
  });
});

describe("parseEndpoint: errors", () => {
  test.each([
    ["", "empty"],
    ["   ", "empty"],
    ["example.com", "missing port (expected host:port)"],
    ["example.com:", "missing port"],
    ["tcp://example.com", "missing port (expected tcp://host:port)"],
    ["tls://example.com", "missing port"],
    ["[::1]", "missing port"],
    ["[::1]:", "missing port"],
    [":9000", "missing host"],
    ["tcp://:9000", "missing host"],
    ["h:0", "port 0 is only valid for listening"],
    ["h:65536", "out of range"],
    ["h:99999", "out of range"],
    ["h:123456", "out of range"],
    ["h:-1", "not a number"],
    ["h:http", "not a number"],
    ["h:80x", "not a number"],
    ["::1:9000", "IPv6 address needs brackets"],
    ["2001:db8::1", "IPv6 address needs brackets"],
    ["[::1", "missing ']'"],
    ["[::1]9000", "unexpected '9000' after ']'"],
    ["[example.com]:1", "not an IPv6 address"],
    ["[fe80::1%eth0]:9000", "zone ids"],
    ["[zz::1]:9000", "not a valid host"],
    ["exa mple.com:1", "not a valid host"],
    ["user:pw@example.com:1", "credentials"],
    ["tcp://user@example.com:1", "credentials"],
    ["tcp://example.com:1/path", "take no path"],
    ["example.com:1/path", "take no path"],
    ["tls://example.com:1?x=1", "take no path"],
    ["1tcp://example.com:1", "bad scheme"],
    ["://example.com:1", "bad scheme"],
  ])("%p → %p", (text, fragment) => {
    const err = errorOf(() => parseEndpoint(text));
    expect(err.code).toBe("EENDPOINT");
    expect(err.message).toContain(fragment);
    expect(err.message).toContain(`'${text.trim()}'`);
    expect(err.message).not.toContain("\n");
  });
});

describe("parseEndpoint: listen addresses", () => {
  test.each([
    ["tcp://0.0.0.0:9000", undefined, "tcp://0.0.0.0:9000"],
    ["tcp://[::]:0", undefined, "tcp://[::]:0"],
    [":9000", undefined, "tcp://[::]:9000"],
    [":9000", "0.0.0.0", "tcp://0.0.0.0:9000"],
    ["9000", undefined, "tcp://[::]:9000"],
    ["0", "0.0.0.0", "tcp://0.0.0.0:0"],
    ["tcp://:9000", undefined, "tcp://[::]:9000"],
    ["wss://:9443/bond", undefined, "wss://[::]:9443/bond"],
    ["wss://0.0.0.0:9443/bond", undefined, "wss://0.0.0.0:9443/bond"],
    ["127.0.0.1:0", undefined, "tcp://127.0.0.1:0"],
  ])("%p (wildcard %p) → %p", (text, wildcard, href) => {
    const opts = wildcard === undefined ? { listen: true } : { listen: true, wildcard };
    expect(parseEndpoint(text, "tcp", opts).href).toBe(href);
  });

  test("a bare port is only a listen address", () => {
    expect(errorOf(() => parseEndpoint("9000")).message).toContain("missing port");
  });

  test("listen addresses still need a valid port", () => {
    expect(errorOf(() => parseEndpoint(":70000", "tcp", { listen: true })).message).toContain("out of range");
    expect(errorOf(() => parseEndpoint("tcp://h", "tcp", { listen: true })).message).toContain("missing port");
  });
});

describe("formatEndpoint", () => {
  test.each([
    ["h:1", "tcp://h:1"],
    ["[::1]:9000", "tcp://[::1]:9000"],
    ["tls://h:9443", "tls://h:9443"],
    ["ws://h:8080/bond", "ws://h:8080/bond"],
    ["wss://h/bond", "wss://h/bond"],
    ["wss://h", "wss://h"],
    ["wss://h:9443/bond?s=1", "wss://h:9443/bond?s=1"],
  ])("%p → %p", (text, shown) => {
    expect(formatEndpoint(parseEndpoint(text))).toBe(shown);
  });

  test.each(["h:1", "[2001:db8::1]:443", "tls://h:9443", "ws://h:8080/a/b", "wss://h/bond?x=y", "wss://h"])(
    "%p round-trips",
    (text) => {
      const url = parseEndpoint(text);
      expect(parseEndpoint(formatEndpoint(url)).href).toBe(url.href);
    },
  );
});
