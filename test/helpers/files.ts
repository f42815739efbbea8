/** Test data files: random content, sha256, size. */
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";

export async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Size of `path`, 0 while it does not exist. */
export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Write `bytes` of random data (from /dev/urandom) to `path`; resolves with its sha256. */
export async function randomFile(path: string, bytes: number): Promise<string> {
  const p = Bun.spawn(["sh", "-c", `head -c ${bytes} /dev/urandom > '${path}'`]);
  if ((await p.exited) !== 0) throw new Error(`cannot write ${path}`);
  return sha256File(path);
}
