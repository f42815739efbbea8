#!/usr/bin/env node
// Entry point for `npx bondcat` / `bunx bondcat` / the package's bin. Under Bun the CLI runs in this
// process; under Node the bundled Bun binary (the `bun` dependency) runs it, with stdio inherited.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "..", "src", "cli", "main.ts");

if (typeof Bun !== "undefined") {
  const { main } = await import(entry);
  process.exit(await main(process.argv.slice(2)));
} else {
  const require = createRequire(import.meta.url);
  let bun;
  try {
    bun = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  } catch {
    bun = "bun";
  }
  const r = spawnSync(bun, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  if (r.error) {
    process.stderr.write(`bondcat: cannot start Bun (${r.error.message}); install it or run 'npm install'\n`);
    process.exit(1);
  }
  process.exit(r.status ?? (r.signal ? 128 + 15 : 1));
}
