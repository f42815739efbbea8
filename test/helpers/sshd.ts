/**
 * A private OpenSSH server for tests: generated host and user keys, its own sshd_config in a temp dir
 * (no PAM, public-key login as the current user, internal sftp for scp), on 127.0.0.1 at a free port.
 * Needs root (sshd's privilege separation) and the openssh-server / openssh-client packages;
 * `sshUnavailable()` says why a test must be skipped.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const SSHD = "/usr/sbin/sshd";
const TOOLS = [SSHD, "ssh", "scp", "ssh-keygen"];

/** Why the ssh tests cannot run here, or null. */
export function sshUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not root (sshd needs privilege separation)";
  for (const t of TOOLS) {
    if (t.startsWith("/") ? !existsSync(t) : Bun.which(t) === null) {
      return `${t} not installed (apt-get install openssh-server openssh-client)`;
    }
  }
  return null;
}

export interface Sshd {
  port: number;
  user: string;
  /** The alias ssh checks the host key under (ProxyCommand hides the real address). */
  hostAlias: string;
  /** Common ssh/scp options: no user config, our key, strict host-key checking, batch mode. */
  options(proxyCommand: string): string[];
  stop(): Promise<void>;
}

function run(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
}

async function freePort(): Promise<number> {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function accepts(port: number, netns?: string): Promise<boolean> {
  if (netns) return Bun.spawnSync(["ip", "netns", "exec", netns, "bash", "-c", `: > /dev/tcp/127.0.0.1/${port}`]).exitCode === 0;
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

/**
 * `forwarding`: allow TCP forwarding (for `ssh -D`, a SOCKS5 proxy). `netns`: run sshd inside that
 * network namespace (on its 127.0.0.1).
 */
export async function startSshd(dir: string, o: { forwarding?: boolean; netns?: string } = {}): Promise<Sshd> {
  const netns = o.netns;
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const hostKey = join(dir, "host_ed25519");
  const userKey = join(dir, "user_ed25519");
  run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bondcat-test-host", "-f", hostKey]);
  run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "bondcat-test-user", "-f", userKey]);
  writeFileSync(join(dir, "authorized_keys"), readFileSync(`${userKey}.pub`), { mode: 0o600 });
  const hostAlias = "bondcat-test-sshd";
  const pub = readFileSync(`${hostKey}.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
  writeFileSync(join(dir, "known_hosts"), `${hostAlias} ${pub}\n`);
  // os.userInfo() says "unknown" under Bun here; ask id(1).
  const user = Bun.spawnSync(["id", "-un"]).stdout.toString().trim() || userInfo().username;

  let lastErr = "";
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const config = join(dir, "sshd_config");
    writeFileSync(config, [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      "StrictModes no",
      "UsePAM no",
      "PermitRootLogin prohibit-password",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      `AllowTcpForwarding ${o.forwarding ? "yes" : "no"}`,
      "X11Forwarding no",
      "PrintMotd no",
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
      "",
    ].join("\n"));
    const argv = [SSHD, "-D", "-e", "-f", config];
    const proc: Subprocess = Bun.spawn(netns ? ["ip", "netns", "exec", netns, ...argv] : argv, { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
    const t0 = Date.now();
    while (Date.now() - t0 < 15_000 && proc.exitCode === null && !(await accepts(port, netns))) await Bun.sleep(50);
    if (proc.exitCode === null && (await accepts(port, netns))) {
      return {
        port,
        user,
        hostAlias,
        options: (proxyCommand) => [
          "-F", "/dev/null",
          "-i", userKey,
          "-o", "IdentitiesOnly=yes",
          "-o", "BatchMode=yes",
          "-o", `UserKnownHostsFile=${join(dir, "known_hosts")}`,
          "-o", "GlobalKnownHostsFile=/dev/null",
          "-o", "StrictHostKeyChecking=yes",
          "-o", `HostKeyAlias=${hostAlias}`,
          "-o", "LogLevel=ERROR",
          "-o", `ProxyCommand=${proxyCommand}`,
        ],
        stop: async () => {
          proc.kill("SIGTERM");
          await proc.exited;
        },
      };
    }
    proc.kill("SIGKILL");
    await proc.exited;
    lastErr = proc.stderr instanceof ReadableStream ? await new Response(proc.stderr).text() : "";
  }
  throw new Error(`sshd did not start: ${lastErr}`);
}
