#!/usr/bin/env node
// Entry point for `npx bondcat` / `bunx bondcat` / the package's bin. Under Bun the CLI runs in this
// process; under Node the Bun binary of the `bun` dependency runs it, with stdio inherited.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const entry = join(here, "..", "src", "cli", "main.ts");

if (typeof Bun !== "undefined") {
  const { main } = await import(entry);
  process.exit(await main(process.argv.slice(2)));
} else {
  const require = createRequire(import.meta.url);
  let bun = "bun";
  try {
    bun = join(dirname(require.resolve("bun/package.json")), "bin", "bun.exe");
  } catch {
    // no local Bun: try the one on PATH
  }
  const child = spawn(bun, [entry, ...process.argv.slice(2)], { stdio: "inherit" });
  // Ctrl-C reaches the child from the terminal (same process group): only keep Node alive. SIGTERM and
  // SIGHUP sent to this process are passed on, so the child can finish its stream cleanly.
  process.on("SIGINT", () => {});
  for (const sig of ["SIGTERM", "SIGHUP"]) process.on(sig, () => child.kill(sig));
  child.on("error", (err) => {
    process.stderr.write(`bondcat: cannot start Bun (${err.message}); run 'npm install' or install Bun\n`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? 128 + (constants.signals[signal] ?? 15)));
}
