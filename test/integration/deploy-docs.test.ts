/**
 * docs/DEPLOY.md shows the configurations the fleet tests run: the HAProxy and nginx texts generated
 * by test/helpers/balancers.ts (with the document's example addresses) appear in it verbatim, its relay
 * command lines parse, and its systemd unit passes `systemd-analyze verify` (where it exists).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { haproxyTcp, haproxyWs, nginxWs } from "../helpers/balancers.ts";
import { ROOT } from "../helpers/cli.ts";
import { missing } from "../helpers/procs.ts";
import { parseArgs } from "../../src/cli/args.ts";

const doc = readFileSync(join(ROOT, "docs", "DEPLOY.md"), "utf8");
const blocks = (lang: string) => [...doc.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1]);
const relays = ["10.0.0.11:9000", "10.0.0.12:9000", "10.0.0.13:9000"];
const wsRelays = ["10.0.0.11:8080", "10.0.0.12:8080", "10.0.0.13:8080"];
const dir = mkdtempSync(join(tmpdir(), "bondcat-deploy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the HAProxy and nginx configurations are the tested ones", () => {
  expect(blocks("haproxy")).toEqual([
    haproxyTcp({ bind: ":9000", relays, checkInter: "2s" }),
    haproxyTcp({ bind: ":443", tls: "/etc/haproxy/relay.pem", relays, checkInter: "2s" }),
    haproxyWs({ bind: ":443", tls: "/etc/haproxy/relay.pem", relays: wsRelays, checkInter: "2s" }),
  ]);
  expect(blocks("nginx")).toEqual([
    nginxWs({ listen: "443", relays: wsRelays, path: "/bond", tls: { cert: "/etc/ssl/relay.crt", key: "/etc/ssl/relay.key" } }),
  ]);
});

test("the documented relay command lines parse (the unit's ExecStart and the Relays section)", () => {
  const secret = join(dir, "secret");
  writeFileSync(secret, "correct horse battery staple\n", { mode: 0o600 });
  const exec = /^ExecStart=\S+ (.*)$/m.exec(blocks("ini")[0]!)![1]!.replace("%d/secret", secret);
  const lines = [exec, ...blocks("sh")[0]!.split("\n").filter((l) => l.startsWith("bondcat ")).map((l) => l.slice("bondcat ".length))];
  expect(lines.length).toBe(4);
  for (const l of lines) {
    const r = parseArgs(l.split(/\s+/), {});
    expect(r.kind === "run" && r.config.mode).toBe("listen");
  }
});

test.skipIf(missing("systemd-analyze") !== null)("the systemd unit verifies", () => {
  const [unit] = blocks("ini");
  expect(unit).toContain("ExecStart=/usr/local/bin/bondcat ");
  // The binary may not be installed here: verify the unit against an executable that exists.
  const file = join(dir, "bondcat-relay.service");
  writeFileSync(file, unit!.replace("/usr/local/bin/bondcat", process.execPath));
  const r = Bun.spawnSync(["systemd-analyze", "verify", "--man=no", file]);
  const out = `${r.stdout.toString()}${r.stderr.toString()}`;
  if (/Failed to (connect|initialize)|System has not been booted|not been booted with systemd/i.test(out) && r.exitCode !== 0) {
    console.error(`systemd-analyze cannot run here: ${out.trim()}`);
    return;
  }
  expect(out.trim()).toBe("");
  expect(r.exitCode).toBe(0);
});
