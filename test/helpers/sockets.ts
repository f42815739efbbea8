/** Killing live TCP sockets from a test (`ss -K`, needs root and a kernel with SOCK_DESTROY). */

export const canKillSockets = process.getuid?.() === 0 && Bun.spawnSync(["ss", "-V"]).exitCode === 0;

/** Kill the established TCP socket from `localPort` to `remotePort`. */
export function ssKill(remotePort: number, localPort: number): boolean {
  const r = Bun.spawnSync(["ss", "-K", "-t", `( dport = :${remotePort} and sport = :${localPort} )`]);
  return r.exitCode === 0 && new TextDecoder().decode(r.stdout).includes(`:${localPort}`);
}

/** Local ports of the established client sockets towards `remotePort`. */
export function clientPorts(remotePort: number): number[] {
  const r = Bun.spawnSync(["ss", "-tnH", "state", "established", `( dport = :${remotePort} )`]);
  return new TextDecoder()
    .decode(r.stdout)
    .split("\n")
    .map((l) => /:(\d+)\s+\S+:\d+\s*$/.exec(l.trim())?.[1])
    .filter((p): p is string => p !== undefined)
    .map(Number);
}
