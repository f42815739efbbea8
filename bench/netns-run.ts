/** Shared by the namespace benchmarks: a timed one-way transfer between hosts a and b, and the MPTCP/TCP peer. */
import type { Topology } from "../test/helpers/netns.ts";

/** python3 sender/receiver: `server 0 PORT 0` / `client HOST PORT BYTES`; a 5th argument = plain TCP. */
export const MPTCP_PY = `
import socket, sys, time
IPPROTO_MPTCP = 262
mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
proto = IPPROTO_MPTCP if len(sys.argv) < 6 else 0  # a 5th argument: plain TCP
if mode == "server":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port)); s.listen(1); print("ready", flush=True)
    c, _ = s.accept(); got = 0
    while True:
        b = c.recv(1 << 20)
        if not b: break
        got += len(b)
    print(got, flush=True)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    c.connect((host, port)); buf = bytes(1 << 20); left = n
    while left > 0:
        left -= c.send(buf[: min(left, len(buf))])
    c.shutdown(socket.SHUT_WR); c.recv(1)
`;

/**
 * Start `server` in host b, wait for `ready` in its output, then pipe `bytes` zeros into `client` (an argv
 * that enters host a itself); Mbit/s from the client's start until both exited. `dataOnStdout`: the server
 * writes what it receives to stdout (a bondcat listener), which then goes to /dev/null — read back into
 * this process it would cost the measurement CPU (and decoded as text, a great deal of it).
 */
export async function timedTransfer(t: Topology, server: string[], client: string[], ready: RegExp, bytes: number, dataOnStdout = false): Promise<number> {
  const argv = dataOnStdout ? ["sh", "-c", 'exec "$@" > /dev/null', "sh", ...server] : server;
  const srv = Bun.spawn(t.exec("b", argv), { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let log = "";
  const readers = [srv.stdout, srv.stderr].map(async (s) => {
    for await (const c of s as ReadableStream<Uint8Array>) if (log.length < 1 << 16) log += new TextDecoder().decode(c);
  });
  const t0 = Date.now();
  while (!ready.test(log)) {
    if (Date.now() - t0 > 10_000) throw new Error(`server did not start: ${log}`);
    await Bun.sleep(20);
  }
  const start = performance.now();
  const cli = Bun.spawn(["sh", "-c", `head -c ${bytes} /dev/zero | ${client.map((a) => `'${a}'`).join(" ")}`], { stdout: "ignore", stderr: "pipe" });
  const [cc, sc] = await Promise.all([cli.exited, srv.exited]);
  const secs = (performance.now() - start) / 1000;
  await Promise.all(readers);
  if (cc !== 0 || sc !== 0) throw new Error(`exit ${cc}/${sc}: ${log} ${await new Response(cli.stderr).text()}`);
  return (bytes * 8) / secs / 1e6;
}
