/**
 * Layering (DESIGN §1): the engine (src/core) imports nothing outside src/core but node: builtins
 * (and @noble/curves, the pure group arithmetic under the handshake's CPace),
 * and transport plugins (transports/) reach into the engine only for the contract: type-only imports
 * of src/core/pipe.ts, and src/core/errors.ts (the error classes plugins throw, so value imports).
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
const CORE = join(ROOT, "src", "core");
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

describe("layering", () => {
  test("src/core imports only src/core, node: builtins and @noble/curves", () => {
    const files = tsFiles(CORE);
    expect(files.length).toBeGreaterThan(10);
    const bad: string[] = [];
    let seen = 0;
    for (const f of files) {
      for (const r of importsOf(readFileSync(f, "utf8"))) {
        seen++;
        if (r.spec.startsWith("node:") || r.spec.startsWith("@noble/curves/")) continue;
        const target = resolveSpec(f, r.spec);
        if (target !== null && inside(target, CORE)) continue;
        bad.push(`${rel(f)}:${r.line} imports "${r.spec}"`);
      }
    }
    expect(seen).toBeGreaterThan(20); // the scanner really read the imports
    expect(bad).toEqual([]);
  });

  test("transports/ use only the contract from src/core: pipe.ts (type-only) and errors.ts", () => {
    const files = tsFiles(TRANSPORTS);
    expect(files.length).toBeGreaterThan(0);
    const pipe = join(CORE, "pipe.ts");
    const errors = join(CORE, "errors.ts");
    const bad: string[] = [];
    let coreRefs = 0;
    for (const f of files) {
      for (const r of importsOf(readFileSync(f, "utf8"))) {
        const target = resolveSpec(f, r.spec);
        if (target === null || !inside(target, CORE)) continue;
        coreRefs++;
        if (target === errors) continue;
        if (target === pipe && r.typeOnly) continue;
        bad.push(`${rel(f)}:${r.line} imports "${r.spec}"${r.typeOnly ? " (type-only)" : ""}`);
      }
    }
    expect(coreRefs).toBeGreaterThan(0); // the contract types are imported from src/core
    expect(bad).toEqual([]);
  });
});
