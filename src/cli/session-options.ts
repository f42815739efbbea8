/** Config → the library options the session runs with (file contents read here, before any socket opens). */
import { readFileSync } from "node:fs";
import { type BondOptions, MemoryBudget } from "../api/index.ts";
import { ConfigError } from "../contract/errors.ts";
import { log } from "../log.ts";
import type { Config } from "./config.ts";

/** -vv: the engine's protocol lines (BondOptions.trace), on stderr through the logger like every log line. */
function traceToLog(subflow: string, message: string): void {
  log.trace(`subflow ${subflow}: ${message}`);
}

function readPem(path: string | undefined, what: string): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError("EFILE", `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** The options connect()/listen() would be given for the same session: the CLI is a library user. */
export function bondOptions(c: Config): BondOptions {
  const t = c.tls;
  const o: BondOptions = {
    multiplier: c.multiplier,
    backup: c.backup,
    autoDetect: c.autoDetect,
    allAddresses: c.allAddresses,
    session: { chunkSize: c.chunkSize, sendBuffer: c.sendBuffer, recvWindow: c.recvWindow, secret: c.secret ?? "", scheduler: c.scheduler, budget: new MemoryBudget(c.maxMemory) },
  };
  const ca = readPem(t.ca, "CA file");
  const cert = readPem(c.mode === "listen" ? t.cert : t.clientCert, "certificate");
  const key = readPem(c.mode === "listen" ? t.key : t.clientKey, "key");
  if (ca !== undefined) o.ca = ca;
  if (cert !== undefined) o.cert = cert;
  if (key !== undefined) o.key = key;
  if (t.insecure) o.insecure = true;
  if (Object.keys(c.headers).length > 0) o.headers = c.headers;
  if (t.pins.length > 0) o.pin = t.pins;
  if (t.servername !== undefined) o.servername = t.servername;
  if (t.requireClientCert) o.requestCert = true;
  if (c.proxy !== undefined) o.proxy = c.proxy;
  if (c.family !== undefined) o.family = c.family;
  if (c.proxyProtocol) o.proxyProtocol = true;
  if (Object.keys(c.limits).length > 0) o.limits = c.limits;
  if (c.compat !== undefined) o.compat = c.compat;
  if (c.verbose >= 2) o.trace = traceToLog;
  return o;
}
