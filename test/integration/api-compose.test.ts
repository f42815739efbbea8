/**
 * src/api is the one composition layer: the CLI's options and the library's give identical sessions,
 * and an AbortSignal cancels a dial and a live session cleanly.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket } from "bun";
import {
  type BondedStream,
  type BondOptions,
  type BondServer,
  connect,
  listen,
  openSession,
  PeerAbortError,
  planConnect,
  type SessionEvents,
  type SessionHandle,
  SessionError,
  serve,
} from "../../src/api/index.ts";
import { parseArgs } from "../../src/cli/args.ts";
import { bondOptions } from "../../src/cli/session-options.ts";

const servers: BondServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.abortAll("test over");
    await s.close();
  }
});

async function echoServer(o: BondOptions = {}): Promise<{ port: number; streams: BondedStream[] }> {
  const streams: BondedStream[] = [];
  const server = await listen("tcp://127.0.0.1:0", o, (s) => {
    streams.push(s);
    s.on("error", () => {});
    s.pipe(s);
  });
  servers.push(server);
  return { port: server.listeners[0]!.port, streams };
}

const quietEvents = (): SessionEvents => ({ data: () => true, end() {}, drain() {}, closed() {} });

/** What makes two sessions the same: paths (label, backup), engine options, transport options, dial timeout. */
async function planOf(endpoints: string[], o: BondOptions) {
  const { paths, options } = await planConnect(endpoints, o);
  return {
    paths: paths.map((p) => ({ label: p.label, backup: p.backup })),
    // The budget is one object per process (the CLI makes its own for --max-memory): compare its cap.
    session: { ...options.session, budget: options.session.budget.cap },
    transport: options.transport,
    dialTimeoutMs: options.dialTimeoutMs,
    multiplier: options.multiplier,
  };
}

describe("CLI and library compose the same session", () => {
  test("identical plans and identical live sessions for the same options", async () => {
    const { port } = await echoServer({ session: { secret: "s3" } });
    const ep = `127.0.0.1:${port}`;
    const argv = ["-x", "2", "-a", "--chunk-size", "64K", "--send-buffer", "4M", "--recv-window", "2M", "--scheduler", "redundant", "--secret", "s3", "--backup", ep, ep];
    const parsed = parseArgs(argv, {});
    if (parsed.kind !== "run") throw new Error("not a run");
    const cli = bondOptions(parsed.config);
    const lib: BondOptions = {
      multiplier: 2,
      autoDetect: false,
      backup: [ep],
      session: { chunkSize: 64 << 10, sendBuffer: 4 << 20, recvWindow: 2 << 20, scheduler: "redundant", secret: "s3" },
    };
    const a = await planOf(parsed.config.endpoints.map((u) => u.href), cli);
    const b = await planOf([ep], lib);
    expect(a).toEqual(b);
    expect(a.paths.length).toBe(4); // 2 primary + 2 backup

    const opened: SessionHandle[] = [];
    for (const o of [cli, lib]) opened.push(await openSession(await planConnect([ep], o), quietEvents()));
    const shape = (s: SessionHandle) => {
      const st = s.stats();
      return { state: st.state, subflows: st.subflows.map((f) => ({ label: f.label, transport: f.transport, backup: f.backup })).sort((x, y) => x.label.localeCompare(y.label)) };
    };
    const deadline = Date.now() + 5000;
    while (opened.some((s) => s.stats().subflows.length < 4) && Date.now() < deadline) await Bun.sleep(10);
    expect(shape(opened[0]!)).toEqual(shape(opened[1]!));
    expect(shape(opened[0]!).subflows.length).toBe(4);
    for (const s of opened) s.abort(5, "done");
  });
});

describe("AbortSignal", () => {
  test("an already aborted signal rejects before dialing", async () => {
    const err = await connect("127.0.0.1:9", { signal: AbortSignal.abort() }).catch((e) => e);
    expect(err).toBeInstanceOf(SessionError);
    expect(err.code).toBe("EABORTED");
  });

  test("aborting a dial in its handshake rejects at once and closes the pipe", async () => {
    // A TCP server that accepts and never answers the HELLO: the dial hangs in the handshake.
    let accepted: Socket | null = null;
    let peerClosed = false;
    const mute = Bun.listen({
      hostname: "127.0.0.1",
      port: 0,
      socket: { open: (s) => void (accepted = s), data() {}, close: () => void (peerClosed = true) },
    });
    try {
      const ac = new AbortController();
      const dial = connect(`127.0.0.1:${mute.port}`, { signal: ac.signal, autoDetect: false }).catch((e) => e);
      while (accepted === null) await Bun.sleep(5);
      const t0 = performance.now();
      ac.abort();
      const err = await dial;
      expect(err).toBeInstanceOf(SessionError);
      expect(err.code).toBe("EABORTED");
      expect(performance.now() - t0).toBeLessThan(1000);
      const deadline = Date.now() + 2000;
      while (!peerClosed && Date.now() < deadline) await Bun.sleep(5);
      expect(peerClosed).toBe(true);
    } finally {
      mute.stop(true);
    }
  });

  test("aborting a live session ends it with EABORTED here and an ABORT at the peer", async () => {
    const { port, streams } = await echoServer();
    const ac = new AbortController();
    const stream = await connect(`127.0.0.1:${port}`, { signal: ac.signal, multiplier: 2 });
    const errored = new Promise<Error>((r) => stream.on("error", r));
    stream.write("hello");
    await new Promise((r) => stream.once("data", r));
    ac.abort();
    const err = (await errored) as SessionError;
    expect(err.code).toBe("EABORTED");
    const peer = streams[0]!;
    const peerErr = await new Promise<Error>((r) => (peer.errored ? r(peer.errored) : peer.on("error", r)));
    expect(peerErr).toBeInstanceOf(PeerAbortError);
  });

  test("aborting closes a server's listeners", async () => {
    const ac = new AbortController();
    const server = await serve("tcp://127.0.0.1:0", { signal: ac.signal }, { session: () => null });
    const port = server.listeners[0]!.port;
    ac.abort();
    await server.close();
    const err = await connect(`127.0.0.1:${port}`, { autoDetect: false }).catch((e) => e);
    expect(err.code).toBe("ECONNREFUSED");
  });
});
