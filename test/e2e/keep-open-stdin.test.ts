/**
 * `-l -k` in stdio mode: one stdin reader for the whole process, lent to one session after the other.
 * 200 sessions leave threads, fds and memory where they were, and every line written to stdin between
 * two sessions goes to the next session, none is swallowed by a reader left behind.
 */
import { afterEach, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "../../src/index.ts";
import { killAll, startListener, waitFor } from "../helpers/cli.ts";

afterEach(killAll);

function usage(pid: number): { threads: number; fds: number; rssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
  return { threads: readdirSync(`/proc/${pid}/task`).length, fds: readdirSync(`/proc/${pid}/fd`).length, rssMiB: rss };
}

const SESSIONS = 200;
/** The start: after the first session, which starts the one reader thread (and its ring). */
const WARM = 1;

test(`-l -k stdio: ${SESSIONS} sessions, threads/fds flat, RSS back within 20 MiB, stdin between sessions goes to the next`, async () => {
  const { cli: l, port } = await startListener(["-k", "-a"], { stdin: "pipe", stdout: "ignore" });
  const pid = l.proc.pid;
  const first = usage(pid);
  let start = first;
  for (let i = 0; i < SESSIONS; i++) {
    if (i === WARM) start = usage(pid);
    const line = `line ${i}\n`;
    await l.write(line); // no session is open: the next one must get it
    const s = await connect(`127.0.0.1:${port}`, { autoDetect: false });
    let got = "";
    await new Promise<void>((resolve, reject) => {
      s.on("data", (d: Buffer) => {
        got += d.toString();
        if (got.length >= line.length) resolve();
      });
      s.on("error", reject);
    });
    expect(got).toBe(line);
    s.destroy(); // the listener's session fails (its stdin never ends); stdin passes to the next one
    const failed = i + 1;
    await waitFor(() => (l.stderr.match(/session \w+ failed/g) ?? []).length >= failed, 20_000, `session ${i} over`);
  }
  await Bun.sleep(300);
  const end = usage(pid);
  console.log(
    `-k stdio, before any / after ${WARM} / after ${SESSIONS} sessions: threads ${first.threads} / ${start.threads} / ${end.threads}, ` +
      `fds ${first.fds} / ${start.fds} / ${end.fds}, RSS ${first.rssMiB.toFixed(1)} / ${start.rssMiB.toFixed(1)} / ${end.rssMiB.toFixed(1)} MiB`,
  );
  // The first session starts the one reader thread; after that nothing grows (RSS: the heap breathes).
  expect(end.threads).toBeLessThanOrEqual(start.threads + 2);
  expect(end.fds).toBeLessThanOrEqual(start.fds + 2);
  expect(end.rssMiB).toBeLessThan(start.rssMiB + 20);
}, 120_000);
