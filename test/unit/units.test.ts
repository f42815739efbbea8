import { describe, expect, test } from "bun:test";
import { splitCommand } from "../../src/cli/split-command.ts";
import {
  formatDuration,
  formatSize,
  parseDuration,
  parseGoBool,
  parseInteger,
  parseSize,
} from "../../src/cli/units.ts";

describe("parseDuration", () => {
  test.each([
    ["10s", 10_000],
    ["500ms", 500],
    ["2m", 120_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1h2m3s4ms", 3_723_004],
    ["1.5s", 1500],
    [".5s", 500],
    ["10", 10_000],
    ["0", 0],
    ["0.25", 250],
    ["0s", 0],
    [" 3s ", 3000],
    ["1.0005s", 1001], // rounded to whole ms
  ])("%p → %p ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  test.each(["", "s", "10x", "-5s", "-1", "5 s", "10sec", "1d", "ms", "1m30", "abc", "1e3", "10S", "5s5", "Infinity"])(
    "rejects %p",
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe("parseSize", () => {
  test.each([
    ["0", 0],
    ["65536", 65536],
    ["256k", 262_144],
    ["256K", 262_144],
    ["256kb", 262_144],
    ["256KiB", 262_144],
    ["4M", 4_194_304],
    ["4m", 4_194_304],
    ["4MB", 4_194_304],
    ["4MiB", 4_194_304],
    ["1G", 1_073_741_824],
    ["1.5M", 1_572_864],
    ["0.5k", 512],
    ["1 M", 1_048_576],
    ["100B", 100],
    ["100b", 100],
  ])("%p → %p bytes", (text, bytes) => {
    expect(parseSize(text)).toBe(bytes);
  });

  test.each(["", "k", "4T", "-1", "-4M", "1.5", "4 MB B", "4Mi", "4iB", "0x10", "1e6", "four", "4MM"])("rejects %p", (text) => {
    expect(parseSize(text)).toBeUndefined();
  });
});

describe("formatSize / formatDuration", () => {
  test("sizes use the largest exact binary unit", () => {
    expect(formatSize(262_144)).toBe("256KiB");
    expect(formatSize(4 * 1024 * 1024)).toBe("4MiB");
    expect(formatSize(1024 ** 3)).toBe("1GiB");
    expect(formatSize(1000)).toBe("1000B");
    expect(formatSize(1536)).toBe("1536B");
  });
  test("durations", () => {
    expect(formatDuration(250)).toBe("250ms");
    expect(formatDuration(1500)).toBe("1.5s");
    expect(formatDuration(120_000)).toBe("2m");
    expect(formatDuration(90_000)).toBe("90s");
  });
  test("formatted values parse back", () => {
    for (const n of [1024, 65536, 262_144, 8 * 1024 * 1024, 1024 ** 3, 1000]) {
      expect(parseSize(formatSize(n))).toBe(n);
    }
    for (const ms of [1, 250, 1500, 60_000, 86_400_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});

describe("parseInteger", () => {
  test.each([["4", 4], ["+4", 4], ["-1", -1], ["007", 7], [" 12 ", 12]])("%p → %p", (t, n) => {
    expect(parseInteger(t)).toBe(n);
  });
  test.each(["", "4.0", "0x4", "4k", "1e3", "four", "9007199254740993"])("rejects %p", (t) => {
    expect(parseInteger(t)).toBeUndefined();
  });
});

describe("parseGoBool (Go strconv.ParseBool)", () => {
  test.each(["1", "t", "T", "TRUE", "true", "True"])("%p is true", (t) => expect(parseGoBool(t)).toBe(true));
  test.each(["0", "f", "F", "FALSE", "false", "False"])("%p is false", (t) => expect(parseGoBool(t)).toBe(false));
  test.each(["", "yes", "no", "on", "tRUE", "2"])("%p is not a bool", (t) => expect(parseGoBool(t)).toBeUndefined());
});

describe("splitCommand", () => {
  test.each([
    ["cat", ["cat"]],
    ["  sh   -c  'echo hi' ", ["sh", "-c", "echo hi"]],
    [`printf "%s\\n" "a b"`, ["printf", "%s\\n", "a b"]],
    [`echo "say \\"hi\\""`, ["echo", 'say "hi"']],
    [`echo a\\ b`, ["echo", "a b"]],
    [`echo ''`, ["echo", ""]],
    [`echo 'it'"'"'s'`, ["echo", "it's"]],
    [`a\tb\nc`, ["a", "b", "c"]],
    ["", []],
    ["   ", []],
    [`echo $HOME`, ["echo", "$HOME"]],
  ])("%p", (text, argv) => {
    expect(splitCommand(text)).toEqual(argv);
  });
  test.each([`echo 'open`, `echo "open`, `echo \\`])("rejects %p", (text) => {
    expect(splitCommand(text)).toBeUndefined();
  });
});
