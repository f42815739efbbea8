/**
 * Layering (docs/ARCHITECTURE.md "Dependency rules"), checked on every import of every source file:
 *   src/contract   → nothing of ours (node: builtins only): the plugin contract
 *   src/core       → src/contract (+ node: builtins, @noble/curves for the handshake's CPace): the engine
 *   src/compat     → src/contract, src/core (no packages): the v0 adapter
 *   transports/    → src/contract (+ packages): the plugins
 *   src/io         → nothing of ours
 *   src/paths      ↛ src/cli, src/api, src/modes, transports/
 *   src/modes      ↛ transports/, src/cli
 *   src/api        ↛ src/cli, src/modes (the local sides are the command line's)
 *   src/cli        ↛ src/core, transports/ (it composes through src/api)
 * and no import cycle anywhere under src/ or transports/ (type imports included); no file over 300 lines.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const SRC = join(ROOT, "src");
const TRANSPORTS = join(ROOT, "transports");

interface ImportRef {
  spec: string;
  typeOnly: boolean;
  line: number;
}

/** Remove comments, keeping line numbers (string contents are left alone: "//" in URLs survives). */
function stripComments(src: string): string {
  let out = "";
  let i = 0;
  let quote: string | null = null;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (quote) {
      out += c;
      if (c === "\\") {
        out += n ?? "";
        i += 2;
        continue;
      }
      if (c === quote) quote = null;
      i++;
    } else if (c === '"' || c === "'" || c === "`") {
      quote = c;
      out += c;
      i++;
    } else if (c === "/" && n === "/") {
      while (i < src.length && src[i] !== "\n") i++;
    } else if (c === "/" && n === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, " ");
      i = stop;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Every module specifier a TypeScript file refers to: static, re-export, side-effect, dynamic, require. */
function importsOf(source: string): ImportRef[] {
  const src = stripComments(source);
  const lineAt = (index: number): number => src.slice(0, index).split("\n").length;
  const out: ImportRef[] = [];
  const fromRe = /(?<![\w$.])(import|export)(\s+type)?\s+(?:[\w$\s{},*]*?)\bfrom\s*(["'])([^"']+)\3/g;
  for (const m of src.matchAll(fromRe)) out.push({ spec: m[4]!, typeOnly: m[2] !== undefined, line: lineAt(m.index!) });
  const bareRe = /(?<![\w$.])import\s*(["'])([^"']+)\1/g;
  for (const m of src.matchAll(bareRe)) out.push({ spec: m[2]!, typeOnly: false, line: lineAt(m.index!) });
  const callRe = /(?<![\w$.])(?:import|require)\s*\(\s*(["'`])([^"'`]+)\1\s*\)/g;
  for (const m of src.matchAll(callRe)) out.push({ spec: m[2]!, typeOnly: false, line: lineAt(m.index!) });
  // `import("x")` inside a type position (typeof import("x")) is still a module reference: counted, strictly.
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f))
    .sort();
}

const inside = (file: string, dir: string): boolean => file === dir || file.startsWith(dir + sep);
const rel = (f: string): string => relative(ROOT, f);

function resolveSpec(from: string, spec: string): string | null {
  return spec.startsWith(".") ? resolve(dirname(from), spec) : null;
}

describe("import scanner (self-test)", () => {
  test("finds every form and flags type-only imports", () => {
    const src = [
      `import { a } from "./a.ts";`,
      `import type { B } from "./b.ts";`,
      `import {`,
      `  c,`,
      `  type D,`,
      `} from './c.ts';`,
      `export { e } from "./e.ts";`,
      `export type { F } from "./f.ts";`,
      `export * from "./g.ts";`,
      `import "./side-effect.ts";`,
      `const h = await import("./h.ts");`,
      `const i = require("./i.ts");`,
      `// import { nope } from "./commented.ts";`,
      `/* import "./block.ts"; */`,
      `const url = "tcp://host:1"; import * as ns from "node:net";`,
      `export const notAnImport = "from";`,
      `export type T = { a: number }`,
      `import { v } from "./after-a-type.ts";`,
    ].join("\n");
    const got = importsOf(src)
      .map((r) => `${r.spec}${r.typeOnly ? " (type)" : ""}@${r.line}`)
      .sort();
    expect(got).toEqual(
      [
        "./a.ts@1",
        "./b.ts (type)@2",
        "./c.ts@3",
        "./e.ts@7",
        "./f.ts (type)@8",
        "./g.ts@9",
        "./side-effect.ts@10",
        "./h.ts@11",
        "./i.ts@12",
        "node:net@15",
        "./after-a-type.ts@18",
      ].sort(),
    );
  });
});

const dir = (d: string): string => (d === "transports" ? TRANSPORTS : join(SRC, d));

interface Rule {
  layer: string;
  /** Our directories it may import (besides itself); undefined = anything not in `deny`. */
  allow?: string[];
  deny?: string[];
  /** Bare specifiers (npm packages, bun) allowed (all, or those with these prefixes); node: builtins always are. */
  packages: boolean | string[];
}

const RULES: Rule[] = [
  { layer: "contract", allow: [], packages: false },
  { layer: "core", allow: ["contract"], packages: ["@noble/curves/"] },
  { layer: "compat", allow: ["contract", "core"], packages: false },
  { layer: "transports", allow: ["contract"], packages: true },
  { layer: "io", allow: [], packages: true },
  { layer: "paths", deny: ["cli", "api", "modes", "transports"], packages: true },
  { layer: "modes", deny: ["transports", "cli"], packages: true },
  { layer: "api", deny: ["cli", "modes"], packages: true },
  { layer: "cli", deny: ["core", "transports"], packages: true },
];

function violations(rule: Rule): { bad: string[]; seen: number; files: number } {
  const files = tsFiles(dir(rule.layer));
  const bad: string[] = [];
  let seen = 0;
  for (const f of files) {
    for (const r of importsOf(readFileSync(f, "utf8"))) {
      seen++;
      if (r.spec.startsWith("node:")) continue;
      const target = resolveSpec(f, r.spec);
      if (target === null) {
        const pkgOk = Array.isArray(rule.packages) ? rule.packages.some((p) => r.spec.startsWith(p)) : rule.packages;
        if (!pkgOk) bad.push(`${rel(f)}:${r.line} imports package "${r.spec}"`);
        continue;
      }
      if (inside(target, dir(rule.layer))) continue;
      const ok =
        rule.allow !== undefined
          ? rule.allow.some((d) => inside(target, dir(d)))
          : !(rule.deny ?? []).some((d) => inside(target, dir(d)));
      if (!ok) bad.push(`${rel(f)}:${r.line} imports "${r.spec}"`);
    }
  }
  return { bad, seen, files: files.length };
}

/** Import cycles among our files (each reported once, by its smallest member). */
function cycles(): string[] {
  const files = [...tsFiles(SRC), ...tsFiles(TRANSPORTS)];
  const edges = new Map<string, string[]>();
  for (const f of files) {
    const out: string[] = [];
    for (const r of importsOf(readFileSync(f, "utf8"))) {
      const t = resolveSpec(f, r.spec);
      if (t !== null && t.endsWith(".ts")) out.push(t);
    }
    edges.set(f, out);
  }
  const found = new Set<string>();
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (f: string): void => {
    state.set(f, 1);
    stack.push(f);
    for (const t of edges.get(f) ?? []) {
      if (state.get(t) === 1) {
        const loop = stack.slice(stack.indexOf(t)).map(rel);
        const min = loop.indexOf([...loop].sort()[0]!);
        found.add([...loop.slice(min), ...loop.slice(0, min)].join(" → "));
      } else if (state.get(t) === undefined && edges.has(t)) visit(t);
    }
    stack.pop();
    state.set(f, 2);
  };
  for (const f of files) if (state.get(f) === undefined) visit(f);
  return [...found].sort();
}

describe("layering", () => {
  for (const rule of RULES) {
    const what = rule.allow !== undefined ? `only ${[rule.layer, ...rule.allow].join(", ")}` : `nothing of ${rule.deny!.join(", ")}`;
    const pkgs = Array.isArray(rule.packages) ? ` (and node: builtins, ${rule.packages.join(", ")})` : rule.packages ? "" : " (and node: builtins)";
    test(`${rule.layer} imports ${what}${pkgs}`, () => {
      const { bad, seen, files } = violations(rule);
      expect(files).toBeGreaterThan(0);
      expect(seen).toBeGreaterThan(files); // the scanner really read the imports
      expect(bad).toEqual([]);
    });
  }

  test("no source file over 300 lines (one job per file)", () => {
    const long = [...tsFiles(SRC), ...tsFiles(TRANSPORTS)]
      .map((f) => ({ f: rel(f), lines: readFileSync(f, "utf8").split("\n").length - 1 }))
      .filter((x) => x.lines > 300)
      .map((x) => `${x.f}: ${x.lines} lines`);
    expect(long).toEqual([]);
  });

  test("no import cycles under src/ and transports/", () => {
    expect(cycles()).toEqual([]);
  });
});
