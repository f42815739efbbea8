/**
 * The stdin reader's read token (src/io/stdin-worker.ts): on a pipe, a worker stopped at its limits
 * hands reading to the main thread, which reads on demand after a poll and hands it back when the pipe
 * is empty. Bytes must arrive whole and in order whoever read them, through pauses, slow releases,
 * bursts with idle gaps between them, and the end of input; and bulk must need few wakes of the worker.
 * The writer is another process (a blocked write in this one would stop the main thread that reads).
 */
import { afterAll, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { enlargePipe } from "../../src/io/pipe-size.ts";
import { StdinReader } from "../../src/io/stdin-reader.ts";
import { BUN } from "../helpers/cli.ts";

const dir = mkdtempSync(join(tmpdir(), "bondcat-direct-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAD = 16;
const CHUNK = 64 * 1024;

/** A FIFO opened for reading here, and a child process writing `script`'s output into it. */
function fifoFrom(name: string, script: string): { fd: number; writer: ReturnType<typeof Bun.spawn> } {
  const path = join(dir, name);
  Bun.spawnSync(["mkfifo", path]);
  const js = join(dir, `${name}.ts`);
  writeFileSync(js, script);
  const writer = Bun.spawn([BUN, js, path], { stdout: "ignore", stderr: "inherit" });
  const fd = openSync(path, "r"); // waits for the writer to open its end
  enlargePipe(fd); // as stdio mode does
  return { fd, writer };
}

/** Bytes 0, 1, 2, … (mod 251) — a lost, doubled or reordered byte breaks the sequence. */
const WRITER = (plan: string) => `
import { openSync, writeSync } from "node:fs";
const fd = openSync(process.argv[2], "w");
let pos = 0;
const big = new Uint8Array(251 * 4200).map((_, i) => i % 251);
const put = (n) => { for (let left = n; left > 0; ) { const k = Math.min(left, 1 << 20); const b = big.subarray(pos % 251, (pos % 251) + k); for (let o = 0; o < k; ) o += writeSync(fd, b, o); pos += k; left -= k; } };
${plan}
`;

interface Run {
  bytes: number;
  chunks: number;
  ended: boolean;
}

/** Reads everything, checking the sequence; pauses now and then and releases frames a timer later. */
function consume(reader: StdinReader, pauseEvery: number): Promise<Run> {
  const run: Run = { bytes: 0, chunks: 0, ended: false };
  const done = Promise.withResolvers<Run>();
  reader.acquire({
    chunk: (f) => {
      for (let i = HEAD; i < f.length; i++) {
        if (f[i] !== (run.bytes + i - HEAD) % 251) {
          done.reject(new Error(`byte ${run.bytes + i - HEAD} is ${f[i]}`));
          return false;
        }
      }
      run.bytes += f.length - HEAD;
      run.chunks++;
      setTimeout(() => reader.release(f), 1);
      if (run.chunks % pauseEvery !== 0) return true;
      setTimeout(() => reader.resume(), 2);
      return false;
    },
    readAhead: () => 2 * CHUNK,
    end: () => {
      run.ended = true;
      done.resolve(run);
    },
    error: (e) => done.reject(e),
  });
  return done.promise;
}

test("bulk from a pipe: the main thread reads most slots itself, the worker is seldom woken, every byte in order", async () => {
  const total = 48 << 20;
  const { fd, writer } = fifoFrom("bulk", WRITER(`for (let i = 0; i < ${total / (1 << 20)}; i++) put(1 << 20);`));
  const reader = new StdinReader(fd, CHUNK, HEAD, 8);
  const run = await consume(reader, 7);
  expect(await writer.exited).toBe(0);
  expect(run.bytes).toBe(total);
  expect(run.ended).toBe(true);
  console.log(`bulk: ${run.chunks} chunks, ${reader.readsHere} read on the main thread, ${reader.wakes} wakes of the worker`);
  expect(reader.readsHere).toBeGreaterThan(run.chunks / 2);
  expect(reader.wakes).toBeLessThan(run.chunks / 4);
  reader.stop();
  closeSync(fd);
}, 60_000);

test("bursts with idle gaps: the token goes back to the worker while the pipe is empty and comes back; nothing lost", async () => {
  // Bursts of odd sizes, each followed by a pause long enough for the pipe to run dry.
  const plan = `for (let i = 0; i < 40; i++) { put(1 + ((i * 7919) % 700000)); await Bun.sleep(i % 3 === 0 ? 15 : 1); }`;
  const { fd, writer } = fifoFrom("bursts", WRITER(plan));
  const reader = new StdinReader(fd, CHUNK, HEAD, 4);
  const run = await consume(reader, 3);
  expect(await writer.exited).toBe(0);
  let want = 0;
  for (let i = 0; i < 40; i++) want += 1 + ((i * 7919) % 700000);
  expect(run.bytes).toBe(want);
  expect(run.ended).toBe(true);
  expect(reader.readsHere).toBeGreaterThan(0); // the main thread did read
  expect(reader.wakes).toBeGreaterThan(0); // and handed reading back
  reader.stop();
  closeSync(fd);
}, 60_000);

test("the end of input seen by the main thread's read ends the consumer, after the last byte", async () => {
  // One write larger than the read-ahead, then the writer exits: the main thread holds the token when EOF comes.
  const { fd, writer } = fifoFrom("eof", WRITER(`put(3 << 20);`));
  const reader = new StdinReader(fd, CHUNK, HEAD, 8);
  const run = await consume(reader, 1_000_000);
  expect(await writer.exited).toBe(0);
  expect(run.bytes).toBe(3 << 20);
  expect(run.ended).toBe(true);
  reader.stop();
  closeSync(fd);
}, 30_000);
