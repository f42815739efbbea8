/**
 * v0 sessions in one process over memory pipes (jitter, re-chunking): our v0 dialer against our
 * --compat v0 listener, and a hand-written v0 peer for what a well-behaved one never sends (an
 * unknown connection id, a frame over 1 MiB, frames far ahead, a wrong version byte).
 */
import { describe, expect, test } from "bun:test";
import { V0Acceptor } from "../../src/compat/v0/acceptor.ts";
import { encodeFrameHead, V0Decoder } from "../../src/compat/v0/codec.ts";
import { RING_FRAMES } from "../../src/compat/v0/connection.ts";
import { encodeLead, joinV0Session, openV0Session } from "../../src/compat/v0/handshake.ts";
import type { Pipe, PipeHandler } from "../../src/contract/pipe.ts";
import { Acceptor } from "../../src/core/acceptor.ts";
import { withDefaults } from "../../src/core/options.ts";
import type { Session } from "../../src/core/session.ts";
import { memoryPipePair } from "../helpers/memory-pipe.ts";
import { endpoint, type Endpoint, pattern, sha, waitFor } from "../helpers/session-harness.ts";

const opts = withDefaults({ heartbeatMs: 200, lingerMs: 200, handshakeMs: 2000 });

function listener() {
  const server = endpoint();
  const rejected: Error[] = [];
  const logged: string[] = [];
  const hooks = {
    session: () => server.events,
    opened: (s: Session) => void (server.session = s),
    rejected: (_p: Pipe, err: Error) => void rejected.push(err),
  };
  const v1 = new Acceptor(opts, hooks);
  const log = { warn: (m: string) => void logged.push(m), debug() {} };
  const v0 = new V0Acceptor(opts, hooks, v1, log);
  const dial = (): Pipe => {
    const [a, b] = memoryPipePair({ delayMs: 1, jitterMs: 2, chunkSplit: true });
    v0.accept(b);
    return a;
  };
  return { server, rejected, logged, v0, dial };
}

/** A hand-written v0 dialer on a raw pipe: what it received after the 17 lead bytes, decoded. */
function rawPeer(pipe: Pipe) {
  const got = { lead: new Uint8Array(0), acks: [] as number[], data: [] as number[], closed: false };
  let buf = new Uint8Array(0);
  const dec = new V0Decoder({
    onData: (seq, _f, _first, last) => void (last && got.data.push(seq)),
    onControl: (n) => void (n >= 10 && got.acks.push(n)),
  });
  const h: PipeHandler = {
    data(v) {
      if (got.lead.length < 17) {
        buf = Buffer.concat([buf, v]);
        if (buf.length < 17) return;
        got.lead = buf.slice(0, 17);
        if (buf.length > 17) dec.push(buf.subarray(17));
        return;
      }
      dec.push(v);
    },
    drain() {},
    end() {},
    closed: () => void (got.closed = true),
  };
  pipe.attach(h);
  return got;
}

const frame = (seq: number, payload: Uint8Array): Uint8Array => Buffer.concat([encodeFrameHead(payload.length, seq), payload]);

describe("v0 sessions over memory pipes", () => {
  test("3 subflows, both directions identical; the dialer's end of stream ends the connection", async () => {
    const used = opts.budget.used;
    const l = listener();
    const client: Endpoint = endpoint();
    const session = await openV0Session(l.dial(), opts, client.events, "p1");
    await joinV0Session(session, l.dial(), "p2");
    await joinV0Session(session, l.dial(), "p3");
    client.session = session;
    await waitFor(() => l.server.session !== null && l.server.session.subflows.length === 3, 5000, "3 subflows at the listener");
    const up = pattern(3_000_000, 1);
    const down = pattern(2_000_000, 2);
    l.server.session!.write(down);
    for (let i = 0; i < up.length; i += 100_000) session.write(up.subarray(i, i + 100_000));
    await waitFor(() => client.receivedBytes === down.length && l.server.receivedBytes === up.length, 10_000, "both directions");
    session.end();
    expect(await client.closed).toBeUndefined();
    const serverEnd = await l.server.closed;
    expect((serverEnd as { abortCode?: number } | undefined)?.abortCode).toBe(0); // NORMAL: the v0 peer closed
    expect(sha(client.received)).toBe(sha(down));
    expect(sha(l.server.received)).toBe(sha(up));
    expect(l.server.ended).toBe(true);
    expect(opts.budget.used).toBe(used); // the ring's bytes were charged and given back
  });

  test("a subflow with an unknown connection id is dropped", async () => {
    const l = listener();
    const raw = rawPeer(l.dial());
    const p = l.dial();
    rawPeer(p);
    p.write(encodeLead(new Uint8Array(16).fill(7)));
    await waitFor(() => l.rejected.length === 1, 2000, "the rejection");
    expect((l.rejected[0] as { code?: string }).code).toBe("EUNKNOWNCID");
    expect(raw.closed).toBe(false);
  });

  test("a frame over 1 MiB drops that subflow with a log line; the session goes on", async () => {
    const l = listener();
    const client = endpoint();
    const session = await openV0Session(l.dial(), opts, client.events, "p1");
    await waitFor(() => l.server.session !== null, 2000, "the session");
    const p = l.dial();
    const raw = rawPeer(p);
    p.write(encodeLead(session.id));
    await waitFor(() => raw.lead.length === 17, 2000, "the echo");
    await waitFor(() => l.server.session!.subflows.length === 2, 2000, "the joined raw subflow");
    p.write(encodeFrameHead(2 << 20, 10));
    await waitFor(() => raw.closed, 2000, "the raw subflow dropped");
    expect(l.logged.join("\n")).toMatch(/subflow .* dropped: v0 frame of 2097152 bytes/);
    const data = pattern(500_000, 3);
    session.write(data);
    await waitFor(() => l.server.receivedBytes === data.length, 5000, "data on the remaining subflow");
    expect(sha(l.server.received)).toBe(sha(data));
  });

  test("frames arrive out of order; one 4096 frames ahead is not acknowledged; order is restored", async () => {
    const l = listener();
    const p = l.dial();
    const raw = rawPeer(p);
    p.write(encodeLead(null));
    await waitFor(() => raw.lead.length === 17, 2000, "the new connection id");
    expect(raw.lead[0]).toBe(0);
    p.write(frame(10 + RING_FRAMES, new Uint8Array([9]))); // too far ahead: dropped, not acked
    p.write(frame(12, Buffer.from("c")));
    p.write(frame(11, Buffer.from("b")));
    p.write(frame(11, Buffer.from("b"))); // a duplicate: acked again, delivered once
    p.write(frame(10, Buffer.from("a")));
    await waitFor(() => l.server.receivedBytes === 3, 2000, "in-order delivery");
    expect(Buffer.concat(l.server.received).toString()).toBe("abc");
    await waitFor(() => raw.acks.length === 4, 2000, "the acks");
    expect(raw.acks).toEqual([12, 11, 11, 10]);
  });

  test("frames a v0 listener drops unacknowledged go out again: everything arrives and the session ends", async () => {
    // A hand-written v0 listener that drops the first copy of every fourth frame without acking it, as
    // the Go receiver does when its ring has no room (against it, `-b` hung with frames never resent).
    const [a, b] = memoryPipePair({ delayMs: 1, jitterMs: 1, chunkSplit: true });
    const got = new Map<number, Uint8Array>();
    const dropped = new Set<number>();
    let lead = 0;
    let parts: Uint8Array[] = [];
    const dec = new V0Decoder({
      onData: (seq, f, first, last) => {
        if (first) parts = [];
        parts.push(Uint8Array.from(f));
        if (!last) return;
        if (seq % 4 === 1 && !dropped.has(seq)) return void dropped.add(seq);
        got.set(seq, Buffer.concat(parts));
        b.write(encodeFrameHead(0, seq));
      },
      onControl: () => {},
    });
    b.attach({
      data(v) {
        const skip = Math.min(17 - lead, v.length);
        lead += skip;
        if (skip > 0 && lead === 17) b.write(encodeLead(new Uint8Array(16).fill(5)));
        if (v.length > skip) dec.push(v.subarray(skip));
      },
      drain() {},
      end() {},
      closed() {},
    });
    const client = endpoint();
    const session = await openV0Session(a, opts, client.events, "p1");
    const data = pattern(2_000_000, 4);
    for (let i = 0; i < data.length; i += 64_000) session.write(data.subarray(i, i + 64_000));
    session.end();
    expect(await client.closed).toBeUndefined();
    const seqs = [...got.keys()].sort((x, y) => x - y);
    expect(sha([Buffer.concat(seqs.map((q) => got.get(q)!))])).toBe(sha([data]));
    expect(seqs.length).toBe(seqs.at(-1)! - 9); // every number from 10 on, once
    expect(dropped.size).toBeGreaterThanOrEqual(5);
  });

  test("a listener answering with a version byte other than 0 fails the v0 handshake (EVERSION)", async () => {
    const [a, b] = memoryPipePair();
    rawPeer(b);
    b.write(new Uint8Array(17).fill(1));
    const client = endpoint();
    const err = await openV0Session(a, opts, client.events).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe("EVERSION");
  });
});
