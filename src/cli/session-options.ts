/** Config → engine options and transport options (file contents read here, before any socket opens). */
import { readFileSync } from "node:fs";
import { ConfigError } from "../contract/errors.ts";
import { MemoryBudget } from "../core/memory-budget.ts";
import { type SessionOptions, withDefaults } from "../core/options.ts";
import type { TransportOptions } from "../contract/transport.ts";
import type { Config } from "./config.ts";

export function sessionOptions(c: Config): SessionOptions {
  return withDefaults({
    chunkSize: c.chunkSize,
    sendBuffer: c.sendBuffer,
    recvWindow: c.recvWindow,
    secret: c.secret ?? "",
    scheduler: c.scheduler,
    budget: new MemoryBudget(c.maxMemory),
  });
}

function readPem(path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("EFILE", `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** Options every transport gets; each takes what it understands. */
export function transportOptions(c: Config): TransportOptions {
  const t = c.tls;
  const o: TransportOptions = { insecure: t.insecure, headers: c.headers };
  const ca = readPem(t.ca, "CA file");
  const cert = readPem(c.mode === "listen" ? t.cert : t.clientCert, "certificate");
  const key = readPem(c.mode === "listen" ? t.key : t.clientKey, "key");
  if (ca !== undefined) o.ca = ca;
  if (cert !== undefined) o.cert = cert;
  if (key !== undefined) o.key = key;
  if (t.pins.length > 0) o.pin = t.pins;
  if (t.servername !== undefined) o.servername = t.servername;
  if (t.requireClientCert) o.requestCert = true;
  if (c.proxy !== undefined) o.proxy = c.proxy;
  if (c.family !== undefined) o.family = c.family;
  if (c.proxyProtocol) o.proxyProtocol = true;
  return o;
}
