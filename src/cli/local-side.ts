/** Which local side a session gets: stdio by default; relay/exec/benchmark modes plug in here. */
import type { LocalSide } from "../modes/local-side.ts";
import { StdioSide } from "../modes/stdio.ts";
import type { Config } from "./config.ts";
import { log } from "../log.ts";

export function makeLocalSide(c: Config): LocalSide {
  return new StdioSide({
    chunkSize: c.chunkSize,
    sendBuffer: c.sendBuffer,
    onInputError: (err) => log.warn(err.message),
  });
}
