/**
 * The per-tick path checks of a session: heartbeats, pong credit, delivery rates, doubt and failure
 * (rules in liveness.ts), which path carries ACKs when none is implied; and the wiring of its two halves.
 */
import { SessionError } from "./errors.ts";
import { doubtfulSubflows, failedSubflows } from "./liveness.ts";
import { TICK_MS } from "./session-timer.ts";
import type { SessionOptions } from "./options.ts";
import { Receiver } from "./receiver.ts";
import { Sender } from "./sender.ts";
import type { SessionEvents } from "./session-events.ts";
import type { Subflow } from "./subflow.ts";

/**
 * One tick over the subflows: ping those due (every `heartbeatMs`), put stalled-looking ones in doubt
 * (not after a late tick: our own loop was blocked), give up failed ones. True when pings went out
 * (new RTT samples on the way: the caller re-sorts its path order).
 */
export function checkPaths(
  subflows: readonly Subflow[],
  now: number,
  heartbeatMs: number,
  deadAfterMs: number,
  late: boolean,
  doubt: (s: Subflow, now: number) => void,
): boolean {
  let pinged = false;
  for (const s of subflows) {
    if (s.state !== "up") continue;
    s.updateRate(now);
    if (now - s.lastPingAt >= heartbeatMs - TICK_MS || wantsRttSample(s)) {
      s.ping(now);
      pinged = true;
    }
  }
  if (!late) {
    const d = doubtfulSubflows(subflows, now);
    for (const s of d.probe) {
      s.note("PING for evidence: another path looks stalled");
      s.ping(now);
    }
    for (const s of d.doubt) doubt(s, now);
  }
  for (const f of failedSubflows(subflows, now, deadAfterMs)) {
    f.sub.note(`given up (${f.code}): ${f.reason}`);
    f.sub.abort(new SessionError(f.code, f.reason));
  }
  return pinged;
}

/** A new subflow's first ticks each send a PING (wantsRttSample). */
const EARLY_PINGS = 4;

/**
 * Whether `s` should be pinged now besides its heartbeat, for a clean minimum RTT (the in-flight quota
 * keeps two of them, scheduler.ts): the PING sent as a subflow comes up often waits for our own busy
 * loop (the next subflow's handshake, the stream starting), so a new subflow is pinged on its first few
 * ticks too. (Later heartbeats on a quiet path refresh the minimum for free.)
 */
export function wantsRttSample(s: { rtt: { pings: number } }): boolean {
  return s.rtt.pings < EARLY_PINGS;
}

/**
 * Where ACKs go when no subflow is implied: the fastest (first in `order`) of those that heard from the
 * peer within the last heartbeat and a half (a silently dead path stops hearing anything long before it
 * is declared dead), else the one that heard most recently.
 */
export function controlPath(order: readonly Subflow[], now: number, heartbeatMs: number): Subflow | undefined {
  const fresh = 1.5 * heartbeatMs;
  let freshest: Subflow | undefined;
  for (const s of order) {
    if (s.state !== "up") continue;
    if (now - s.lastReceiveAt <= fresh) return s;
    if (!freshest || s.lastReceiveAt > freshest.lastReceiveAt) freshest = s;
  }
  return freshest;
}

/** Resend what `s` has in flight on the other paths and probe it; it stays up (liveness.ts). */
export function doubtPath(s: Subflow, now: number, tx: Sender, events: SessionEvents): void {
  s.doubt = true;
  const resent = tx.penalize(s);
  if (resent < 0) {
    s.doubt = false;
    s.note("stalled-looking, but nothing resent (duplicate budget spent, or its pipe cannot detach)");
    return;
  }
  s.note(`in doubt: ${resent} bytes in flight resent on the other paths; no new data here until it reports progress`);
  s.ping(now);
  events.subflowDoubt?.(s, resent);
}

/** After an ABORT the peer has `lingerMs` to close its pipes; one that keeps them open (and keeps sending) loses them then. */
export function abortLater(subs: readonly Subflow[], err: Error, lingerMs: number): void {
  if (subs.length === 0) return;
  const t = setTimeout(() => {
    for (const s of subs) s.abort(err);
  }, lingerMs);
  (t as { unref?: () => void }).unref?.();
}

/** Work for the fast tick on the paths: data in flight (liveness), an ack owed, or no path (grace countdown). */
export function pathsBusy(subflows: readonly Subflow[]): boolean {
  for (const s of subflows) if (s.dataReceived !== s.reported || (s.state === "up" && s.inflight > 0)) return true;
  return subflows.length === 0;
}

/** What the send and receive halves need of their session. */
export interface Halves {
  open(): boolean;
  readonly subflows: Subflow[];
  order(): Subflow[];
  /** Both directions may be finished: check. */
  done(): void;
  best(): Subflow | undefined;
}

export function sendHalf(opts: SessionOptions, h: Halves, events: SessionEvents): Sender {
  return new Sender(opts, {
    open: h.open,
    subflows: () => h.subflows,
    order: h.order,
    drain: () => events.drain(),
    release: (frame) => events.release?.(frame),
  });
}

export function receiveHalf(opts: SessionOptions, h: Halves, events: SessionEvents): Receiver<Subflow> {
  return new Receiver<Subflow>(opts.recvWindow, {
    deliver: (v) => events.data(v),
    ended: () => {
      events.end();
      h.done();
    },
    best: h.best,
    all: () => h.subflows,
    received: (s) => (s.reported = s.dataReceived),
    control: (frame, s, droppable) => s.sendControl(frame, droppable),
    now: opts.now,
  }, opts.budget);
}

/**
 * How long a session may have no path. A listener's session that never got a byte from its client (not
 * one data byte received in order) waits less: a client that opens and resets (an attacker's loop) must
 * not hold a child process and its fds for the whole grace period.
 */
export function graceMs(role: "client" | "server", receivedInOrder: number, opts: Pick<SessionOptions, "graceMs" | "quietGraceMs">): number {
  return role === "server" && receivedInOrder === 0 ? Math.min(opts.graceMs, opts.quietGraceMs) : opts.graceMs;
}
