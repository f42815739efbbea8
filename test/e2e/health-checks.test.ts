/**
 * Load-balancer health checks stay out of a relay's log: a TCP connection closed without a byte, and
 * an HTTP GET (no upgrade) on a ws listener, log nothing at the default level (a debug line with -v);
 * `GET /healthz` on a ws listener is answered 200. Garbage still warns.
 */
import { afterEach, expect, test } from "bun:test";
import { killAll, startListener, waitFor } from "../helpers/cli.ts";

afterEach(killAll);

async function touch(port: number, bytes?: string): Promise<void> {
  await new Promise<void>((resolve) => {
    void Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => {
          if (bytes) s.write(bytes);
          s.end();
        },
        close: () => resolve(),
        error: () => resolve(),
        data() {},
      },
    });
  });
}

test("tcp: empty connections are debug lines only; garbage warns", async () => {
  const { cli } = await startListener(["-k", "-v", "-p", "0"]);
  const port = await cli.waitForPort();
  for (let i = 0; i < 5; i++) await touch(port);
  await waitFor(() => (cli.stderr.match(/health check/g) ?? []).length >= 5, 10_000, "5 debug lines");
  expect(cli.stderr).not.toMatch(/WARN|\[warn\]/i);
  await touch(port, "GET / HTTP/1.0\r\n\r\n");
  await cli.waitForStderr(/rejected: (?!.*health check)/, 10_000);
}, 30_000);

test("ws: GET without upgrade and GET /healthz log nothing at the default level", async () => {
  const { cli } = await startListener(["-k", "--listen", "ws://127.0.0.1:0/b"]);
  const port = await cli.waitForPort();
  for (let i = 0; i < 3; i++) {
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/b`)).status).toBe(426);
    await touch(port);
  }
  await Bun.sleep(300);
  expect(cli.stderr.split("\n").filter((l) => l.trim() !== "" && !/listening on/.test(l))).toEqual([]);
}, 30_000);
