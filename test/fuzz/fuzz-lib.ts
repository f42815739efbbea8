/**
 * Seeded fuzzing of what a peer controls: the frame decoder, the listener's handshake and a live
 * session. The rule everywhere: whatever the bytes, the engine answers with a typed error (a BondError
 * with a code) or carries on — never another exception, never a hang, never unbounded buffers.
 * test/fuzz/fuzz.test.ts runs a few seconds of it; `bun run fuzz` (test/fuzz/run.ts) runs it for long.
 */
import { BondError } from "../../src/contract/errors.ts";
import { Acceptor } from "../../src/core/acceptor.ts";
import { FrameDecoder, type FrameSink } from "../../src/core/decoder.ts";
import { encodeAbort, encodeAck, encodeData, encodeFin, encodePing, FrameType } from "../../src/core/frame.ts";
import { encodeHello, HelloKind, newSessionId, startOpen } from "../../src/core/handshake.ts";
import { withDefaults } from "../../src/core/options.ts";
import type { Session, SessionEvents } from "../../src/core/session.ts";
import { memoryPipePair, type MemoryPipe } from "../helpers/memory-pipe.ts";
import { harness } from "../helpers/session-harness.ts";

export type Rng = () => number;

const int = (r: Rng, n: number) => Math.floor(r() * n);

/** A typed engine error, or a failure of the fuzz run. */
export function expectTyped(err: unknown, where: string): void {
  if (err instanceof BondError && typeof err.code === "string" && err.code.length > 0) return;
  throw new Error(`${where}: untyped error ${err instanceof Error ? `${err.name}: ${err.message}\n${err.stack}` : String(err)}`);
}

/** One plausible frame: mostly valid, with values near the interesting edges. */
export function randomFrame(r: Rng, base = 0): Uint8Array {
  const off = () => (r() < 0.1 ? int(r, 2 ** 53) : base + int(r, 1 << 22));
  switch (int(r, 6)) {
    case 0: {
      const p = new Uint8Array(1 + int(r, r() < 0.9 ? 64 : 70_000));
      return encodeData(off(), p);
    }
    case 1:
      return encodeAck(off(), off(), r() < 0.2, int(r, 1 << 20));
    case 2:
      return encodeFin(off());
    case 3:
      return encodePing(r() < 0.5 ? FrameType.PING : FrameType.PONG, int(r, 2 ** 40));
    case 4:
      return encodeAbort(int(r, 8), "fuzz \u001b[2J reason");
    default:
      return Uint8Array.from({ length: 1 + int(r, 40) }, () => int(r, 256));
  }
}

/** Flip, cut, duplicate or insert bytes. */
export function mutate(r: Rng, b: Uint8Array): Uint8Array {
  const out = Array.from(b);
  const n = 1 + int(r, 4);
  for (let i = 0; i < n && out.length > 0; i++) {
    const at = int(r, out.length);
    switch (int(r, 4)) {
      case 0:
        out[at] = int(r, 256);
        break;
      case 1:
        out.splice(at, 1 + int(r, 8));
        break;
      case 2:
        out.splice(at, 0, ...out.slice(at, at + 1 + int(r, 16)));
        break;
      default:
        out.splice(at, 0, int(r, 256));
    }
  }
  return Uint8Array.from(out);
}

/** A stream of frames, some mutated, as one buffer. */
export function randomStream(r: Rng, frames: number, mutateP: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < frames; i++) {
    const f = randomFrame(r);
    parts.push(r() < mutateP ? mutate(r, f) : f);
  }
  return new Uint8Array(Buffer.concat(parts));
}

const nullSink: FrameSink = { onData() {}, onAck() {}, onFin() {}, onPing() {}, onPong() {}, onAbort() {} };

/** Decoder: random streams in random chunks; only ProtocolError, and none after the decoder failed. */
export function fuzzDecoder(r: Rng, rounds: number): number {
  let errors = 0;
  for (let i = 0; i < rounds; i++) {
    const stream = randomStream(r, 1 + int(r, 20), r() < 0.5 ? 0 : 0.3);
    const d = new FrameDecoder(nullSink, 1 << 16);
    let failed = false;
    for (let at = 0; at < stream.length; ) {
      const n = 1 + int(r, r() < 0.5 ? 32 : 4096);
      try {
        d.push(stream.subarray(at, at + n));
      } catch (err) {
        expectTyped(err, "decoder");
        failed = true;
        errors++;
        break;
      }
      at += n;
    }
    if (failed) {
      try {
        d.push(new Uint8Array(1));
        throw new Error("decoder: accepted input after a protocol error");
      } catch (err) {
        expectTyped(err, "decoder after failure");
      }
    }
  }
  return errors;
}

const quietEvents = (): SessionEvents => ({ data: () => true, end() {}, drain() {}, closed() {} });

/** A handshake's first bytes: a valid HELLO (OPEN or JOIN), mutated, with random bytes after it. */
function helloBytes(r: Rng, secret: string, liveIds: Uint8Array[]): Uint8Array {
  let hello: Uint8Array;
  const k = int(r, 3);
  if (k === 0) hello = startOpen(secret, newSessionId()).hello;
  else if (k === 1) hello = encodeHello(HelloKind.JOIN, liveIds.length > 0 && r() < 0.7 ? liveIds[int(r, liveIds.length)]! : newSessionId(), null);
  else hello = Uint8Array.from({ length: int(r, 120) }, () => int(r, 256));
  if (r() < 0.6) hello = mutate(r, hello);
  const tail = r() < 0.5 ? randomStream(r, int(r, 4), 0.5) : new Uint8Array(0);
  return new Uint8Array(Buffer.concat([hello, tail]));
}

/**
 * The listener's handshake: every pipe fed mutated HELLOs (and what follows) ends within the handshake
 * timeout — refused, rejected or opened — with typed errors only.
 */
export async function fuzzHandshake(r: Rng, rounds: number): Promise<{ rejected: number; opened: number }> {
  const secret = r() < 0.5 ? "" : "fuzz-secret";
  const opts = withDefaults({ handshakeMs: 150, secret, lingerMs: 50 });
  let rejected = 0;
  let opened = 0;
  const sessions: Session[] = [];
  const limits = { handshakeMs: 300, refusedLingerMs: 100, maxPending: 4096, maxPendingPerAddr: 4096 };
  const acceptor = new Acceptor(opts, {
    session: () => quietEvents(),
    opened: (s) => {
      opened++;
      sessions.push(s);
    },
    rejected: (_pipe, err) => {
      expectTyped(err, "handshake");
      rejected++;
    },
  }, limits);
  const ids = () => sessions.filter((s) => s.state === "open").map((s) => s.id);
  const pipes: MemoryPipe[] = [];
  let ended = 0;
  for (let i = 0; i < rounds; i++) {
    const [a, b] = memoryPipePair({ seed: int(r, 2 ** 31), chunkSplit: r() < 0.5 });
    a.attach({ data() {}, drain() {}, end() {}, closed: () => void ended++ });
    acceptor.accept(b);
    a.write(helloBytes(r, secret, ids()));
    if (r() < 0.3) a.close();
    pipes.push(a);
    if (i % 16 === 15) await Bun.sleep(1);
  }
  await Bun.sleep(limits.handshakeMs + limits.refusedLingerMs + 200);
  // No pipe hangs: each was closed by the listener or is a subflow of a session it opened or joined.
  const live = sessions.reduce((n, s) => n + s.subflows.length, 0);
  if (ended + live < rounds) throw new Error(`handshake: ${rounds - ended - live} of ${rounds} pipes still pending after the timeout`);
  for (const p of pipes) p.abort();
  for (const s of sessions) s.abort(0, "fuzz over");
  return { rejected, opened };
}

/**
 * A live session (one path, the harness's PathManager re-dials what dies): hostile frames injected into
 * the client → server direction beside the session's own traffic. The server must carry on or end the
 * session with a typed error; subflows killed by protocol errors are re-dialed.
 */
export async function fuzzSession(r: Rng, frames: number): Promise<string> {
  let pipe: MemoryPipe | null = null;
  const h = harness([{ wrap: (p) => (pipe = p) }], { lingerMs: 50, graceMs: 2000 });
  let serverErr: Error | undefined;
  void h.server.closed.then((err) => (serverErr = err));
  const s = await h.open();
  s.write(new Uint8Array(100_000));
  for (let i = 0; i < frames && s.state === "open"; i++) {
    const f = randomFrame(r, s.send.nxt);
    (pipe as MemoryPipe | null)?.write(r() < 0.3 ? mutate(r, f) : f);
    if (i % 8 === 7) await Bun.sleep(0);
  }
  await Bun.sleep(50);
  const server = h.server.session;
  if (server && server.state === "open") {
    // Bounded whatever was injected: held segments and bytes stay within the window.
    if (server.reorder.bytes > server.opts.recvWindow) throw new Error(`session: ${server.reorder.bytes} bytes held`);
  }
  if (serverErr) expectTyped(serverErr, "session (server)");
  if (s.error) expectTyped(s.error, "session (client)");
  const outcome = serverErr ? (serverErr as BondError).code : server?.state ?? "no server session";
  s.abort(0, "fuzz over");
  server?.abort(0, "fuzz over");
  h.pm.stop();
  return outcome;
}
