/**
 * The trace hook (SessionOptions.trace, set through BondOptions.trace; the CLI's -vv): handshake steps,
 * frames sent and received per subflow, doubt decisions; peer text escaped. Off, no line at all.
 */
import { describe, expect, test } from "bun:test";
import { AbortCode } from "../../src/core/frame.ts";
import { harness, pattern, sha, waitFor, writeAll } from "../helpers/session-harness.ts";

type Line = [subflow: string, message: string];
const collect = (into: Line[]) => (subflow: string, message: string) => void into.push([subflow, message]);
const has = (lines: Line[], sub: RegExp, msg: RegExp) => lines.some(([s, m]) => sub.test(s) && msg.test(m));

describe("trace hook", () => {
  test("handshake steps and every frame kind, named by subflow, on both sides", async () => {
    const cl: Line[] = [];
    const sl: Line[] = [];
    const h = harness([{ delayMs: 1 }, { delayMs: 1 }], { chunkSize: 64 * 1024, trace: collect(cl) }, { trace: collect(sl) });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2, 20_000, "2 subflows");
    const up = pattern(1 << 20, 3);
    await writeAll(h.client, up, 100_000);
    await waitFor(() => h.server.receivedBytes === up.length, 20_000, "1 MiB");
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
    expect(sha(h.server.received)).toBe(sha(up));
    for (const m of [/^handshake: sent HELLO OPEN session [0-9a-f]{8}$/, /^handshake: got REPLY OK$/, /^handshake: sent HELLO JOIN/]) expect(has(cl, /^path[01]$/, m)).toBe(true);
    for (const m of [/^handshake: got HELLO OPEN v1/, /^handshake: got PROOF, verified$/, /^handshake: joined session/]) expect(has(sl, /^#\d+ mem c\d$/, m)).toBe(true);
    expect(has(cl, /^path0$/, /^sent DATA offset 0 length 65536$/)).toBe(true);
    expect(has(sl, /^#\d+ mem c\d$/, /^got DATA offset 0 length \d+$/)).toBe(true);
    expect(has(sl, /./, /^sent ACK \d+ window \d+ received here \d+$/)).toBe(true);
    expect(has(cl, /^path[01]$/, /^got ACK \d+ window \d+ received here \d+/)).toBe(true);
    expect(has(cl, /./, /^sent PING \d+$/) && has(sl, /./, /^got PING \d+$/) && has(sl, /./, /^sent PONG \d+$/) && has(cl, /./, /^got PONG \d+$/)).toBe(true);
    expect(has(cl, /./, /^got FIN at 0$/) && has(cl, /./, /^sent FIN at 1048576$/)).toBe(true);
    expect(has(cl, /./, /^got ACK 1048576 window \d+ received here \d+ \+FIN$/)).toBe(true);
  });

  test("a doubt decision is traced; an ABORT reason from the peer is escaped", async () => {
    const cl: Line[] = [];
    const h = harness([{ delayMs: 1 }, { delayMs: 4 }], { deadAfterMs: 60_000, heartbeatMs: 1000, trace: collect(cl) });
    const c = await h.open();
    await waitFor(() => c.subflows.length === 2 && c.subflows.every((s) => s.rtt.samples > 0), 20_000, "2 measured subflows");
    h.unreachable.add(0);
    h.links.get(0)![0]![0].blackhole();
    c.write(new TextEncoder().encode("a keystroke"));
    await waitFor(() => h.server.receivedBytes === 11, 20_000, "the keystroke");
    expect(has(cl, /^path0$/, /^in doubt: 11 bytes in flight resent on the other paths/)).toBe(true);
    expect(has(cl, /^path0$/, /^sent DATA offset 0 length 11$/)).toBe(true);
    expect(has(cl, /^path1$/, /^resent DATA offset 0 length 11$/)).toBe(true);
    h.server.session!.abort(AbortCode.APPLICATION, "bye\x1b[2J\nforged line");
    expect(await h.client.closed).toBeDefined();
    const abort = cl.find(([, m]) => m.startsWith("got ABORT"));
    expect(abort?.[1]).toBe("got ABORT code 5: bye\\x1b[2J\\nforged line");
  });

  test("off (the default): the receive side gets the session's own sink, and no line is made", async () => {
    const h = harness([{ delayMs: 1 }]);
    const c = await h.open();
    await waitFor(() => h.server.session !== null, 20_000, "the server's session");
    const sink = c.frameSink(c.subflows[0]!);
    expect(sink.constructor.name).toBe("SubflowSink");
    expect(c.subflows[0]!.trace).toBeNull();
    c.end();
    h.server.session!.end();
    expect(await h.client.closed).toBeUndefined();
  });
});
