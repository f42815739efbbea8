/**
 * The pre-shared secret's sources besides --secret: a file (read by the composition root before any
 * socket opens) and a generator for strong secrets.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../contract/errors.ts";

/** 32 random bytes, base64url: 256 bits, no characters a shell or a config file would mangle. */
export function generateSecret(): string {
  return randomBytes(32).toString("base64url");
}

/** The secret in `path`: its first line (a trailing newline is not part of it); never empty. */
export function readSecretFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("ESECRETFILE", `cannot read --secret-file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const secret = text.split(/\r?\n/, 1)[0] ?? "";
  if (secret === "") throw new ConfigError("ESECRETFILE", `--secret-file ${path}: the first line is empty`);
  return secret;
}
