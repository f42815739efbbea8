/**
 * rsync over ssh over bondcat between two namespaced hosts: OpenSSH's sshd in host b behind
 * `bondcat -l -k --relay`, rsync in the root namespace with `ProxyCommand='ip netns exec A bondcat -a
 * LINK0 LINK1'`. Optionally one link is cut silently mid-transfer. Reports the wall time, the longest
 * time the destination did not grow (polled every 20 ms) and whether the copy is identical.
 * Used by bench/failover.ts and test/network/failover.test.ts.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Topology } from "./netns.ts";
import { startSshd } from "./sshd.ts";
import { BIN as CLI, BUN } from "./cli.ts";

export interface RsyncResult {
  seconds: number;
  /** Longest time (s) the destination did not grow, between its first and last growth. */
  stallS: number;
  identical: boolean;
}

function dirBytes(d: string): number {
  let n = 0;
  for (const f of readdirSync(d)) {
    try {
      n += statSync(join(d, f)).size;
    } catch {}
  }
  return n;
}

export async function rsyncRun(t: Topology, dir: string, input: string, cut: number | null, cutAtMs: number): Promise<RsyncResult> {
  const work = join(dir, `rsync-${t.b}`);
  const dst = join(work, "dst");
  mkdirSync(dst, { recursive: true });
  const sshd = await startSshd(work, { netns: t.b });
  const relay = Bun.spawn(t.exec("b", [BUN, CLI, "-l", "-k", "-p", "9000", "--relay", `127.0.0.1:${sshd.port}`]), { stdout: "ignore", stderr: "pipe" });
  try {
    let log = "";
    const reader = (async () => {
      for await (const c of relay.stderr as ReadableStream<Uint8Array>) log += new TextDecoder().decode(c);
    })();
    for (const t0 = Date.now(); !/listening on/.test(log); await Bun.sleep(20)) {
      if (Date.now() - t0 > 10_000) throw new Error(`relay did not start: ${log}`);
    }
    const proxy = [...t.exec("a", [BUN, CLI, "-a", `${t.links[0]!.b4}:9000`, `${t.links[1]!.b4}:9000`])].join(" ");
    const ssh = ["ssh", ...sshd.options(proxy)].map((a) => (a.includes(" ") ? `'${a}'` : a)).join(" ");
    const start = performance.now();
    const rsync = Bun.spawn(["rsync", "-e", ssh, input, `${sshd.user}@${sshd.hostAlias}:${dst}/out.bin`], { stdout: "ignore", stderr: "pipe" });
    const timer = cut === null ? null : setTimeout(() => t.cut(cut), cutAtMs);
    let last = 0;
    let grewAt = 0;
    let stall = 0;
    while (rsync.exitCode === null) {
      await Bun.sleep(20);
      const now = performance.now();
      const n = dirBytes(dst);
      if (n > last) {
        if (grewAt > 0) stall = Math.max(stall, now - grewAt);
        grewAt = now;
        last = n;
      }
    }
    const code = await rsync.exited;
    const seconds = (performance.now() - start) / 1000;
    if (timer) clearTimeout(timer);
    if (code !== 0) throw new Error(`rsync exit ${code}: ${await new Response(rsync.stderr).text()}`);
    const hash = async (f: string) => new Bun.CryptoHasher("sha256").update(await Bun.file(f).bytes()).digest("hex");
    const identical = (await hash(input)) === (await hash(join(dst, "out.bin")));
    relay.kill("SIGTERM");
    await reader;
    return { seconds, stallS: stall / 1000, identical };
  } finally {
    relay.kill("SIGKILL");
    await sshd.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
