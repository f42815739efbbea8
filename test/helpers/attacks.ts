/**
 * The engine-side rows of issue 7's attack table, as functions of a listener's port, and a runner that
 * measures what each does to the listener: RSS growth (VmHWM after clear_refs, and sampled VmRSS), the
 * longest a well-behaved session waited for a pong, and whether that session survived.
 * Used by test/security (loose bounds) and bench/hostile.ts (the numbers).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { type Engine, FRAME, frames, header, HostilePeer, pingProbe } from "./hostile-peer.ts";

export interface Target {
  engine: Engine;
  port: number;
  secret: string;
}

const MiB = 1 << 20;

/** 400 DATA frames of 1 MiB at offsets 1…400: overlapping ranges inside the window. */
async function overlapping(t: Target): Promise<string> {
  const { peer } = await HostilePeer.open(t.engine, t.port, t.secret);
  const payload = new Uint8Array(MiB);
  const head = new Uint8Array(16);
  let sent = 0;
  for (let i = 1; i <= 400; i++) {
    header(head, 0, FRAME.DATA, MiB, i);
    if (!(await peer.send(head.slice())) || !(await peer.send(payload))) break;
    sent++;
  }
  await Bun.sleep(200);
  peer.destroy();
  return `${sent} frames sent`;
}

/** OPEN without its proof, then a JOIN of that id streaming bytes while the OPEN is pending. */
async function preauthJoin(t: Target): Promise<string> {
  const { session } = await HostilePeer.open(t.engine, t.port, t.secret, { skipProof: true });
  const join = await HostilePeer.join(t.engine, session, t.port, false);
  const chunk = new Uint8Array(MiB);
  let sent = 0;
  const until = Date.now() + 3000;
  while (sent < 1024 * MiB && Date.now() < until && (await join.send(chunk))) sent += MiB;
  const closed = await Promise.race([join.gone.then(() => true), Bun.sleep(500).then(() => false)]);
  join.destroy();
  return `${sent / MiB} MiB written before ${closed ? "the listener closed it" : "giving up"}`;
}

/** 64 MiB of PINGs on a subflow that never reads. */
async function pingFlood(t: Target): Promise<string> {
  const { peer } = await HostilePeer.open(t.engine, t.port, t.secret);
  peer.pause();
  const block = frames(65536, FRAME.PING, 0, (i) => i);
  let sent = 0;
  for (let i = 0; i < 64 && (await peer.send(block)); i++) sent += MiB;
  await Bun.sleep(300);
  const alive = !peer.socket.destroyed && !peer.socket.readableEnded;
  peer.destroy();
  return `${sent / MiB} MiB of PINGs written${alive ? "" : ", subflow dropped"}`;
}

/** 32 subflows that never read, then 4 MiB of repeated FIN(0). */
async function finFlood(t: Target): Promise<string> {
  const { peer, session } = await HostilePeer.open(t.engine, t.port, t.secret);
  const subs = [peer];
  for (let i = 0; i < 31; i++) subs.push(await HostilePeer.join(t.engine, session, t.port));
  for (const s of subs) s.pause();
  const block = frames(65536, FRAME.FIN, 0, () => 0);
  let sent = 0;
  for (let i = 0; i < 4 && (await peer.send(block)); i++) sent += MiB;
  await Bun.sleep(300);
  for (const s of subs) s.destroy();
  return `${sent / MiB} MiB of FIN(0) on 1 of 32 non-reading subflows`;
}

/** `count` one-byte DATA frames at odd offsets (every one held out of order). */
function oddBytes(count: number, from = 0): Uint8Array {
  return frames(count, FRAME.DATA, 1, (i) => 1 + 2 * (from + i));
}

async function sendOdd(peer: HostilePeer, total: number): Promise<number> {
  const per = 65536;
  let sent = 0;
  for (let at = 0; at < total; at += per) {
    if (!(await peer.send(oddBytes(Math.min(per, total - at), at)))) break;
    sent += Math.min(per, total - at);
  }
  return sent;
}

/** 1M one-byte held segments, then 20 000 FINs (each checks `highest`). */
async function segmentsThenFins(t: Target): Promise<string> {
  const { peer } = await HostilePeer.open(t.engine, t.port, t.secret);
  const n = 1 << 20;
  const sent = await sendOdd(peer, n);
  const fins = frames(20_000, FRAME.FIN, 0, () => 2 * n + 2);
  const finsSent = (await peer.send(fins)) ? 20_000 : 0;
  await Bun.sleep(300);
  peer.destroy();
  return `${sent} segments, ${finsSent} FINs accepted by the socket`;
}

/** One-byte DATA at odd offsets across an 8 MiB window (4M held entries if nothing stops it). */
async function oddOffsets(t: Target): Promise<string> {
  const { peer } = await HostilePeer.open(t.engine, t.port, t.secret);
  const sent = await sendOdd(peer, 4 << 20);
  await Bun.sleep(300);
  peer.destroy();
  return `${sent} one-byte frames written`;
}

/** No attack: what the probe (and whatever runs beside it) costs by itself. */
async function none(): Promise<string> {
  await Bun.sleep(1000);
  return "no attack";
}

export const ATTACKS = {
  "none (baseline)": none,
  "overlapping 1 MiB DATA at offsets 1…400": overlapping,
  "pre-auth: pending OPEN + streaming JOIN (--secret)": preauthJoin,
  "64 MiB of PINGs, subflow never reads": pingFlood,
  "32 non-reading subflows + 4 MiB of FIN(0)": finFlood,
  "1M one-byte segments, then 20 000 FINs": segmentsThenFins,
  "1-byte DATA at odd offsets (4M)": oddOffsets,
} as const;
export type AttackName = keyof typeof ATTACKS;

function status(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

export interface AttackResult {
  note: string;
  /** Peak RSS above the RSS before the attack, bytes. */
  rssGrowth: number;
  /** RSS above the RSS before the attack once it is over (attacker gone, 1 s later), bytes. */
  rssAfter: number;
  /** Longest wait for a pong (or since the last one) on the probe session, ms. */
  maxStallMs: number;
  /** The probe session lost its subflow. */
  probeLost: boolean;
}

/** Run one attack against the listener process `pid`, with a ping probe beside it. */
export async function runAttack(name: AttackName, t: Target, pid: number, timeoutMs = 60_000, beside?: Promise<unknown>): Promise<AttackResult> {
  const probe = await pingProbe(t.engine, t.port, t.secret);
  await Bun.sleep(200);
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5"); // reset VmHWM
  } catch {
    // not allowed here: the sampled VmRSS below still bounds it from below
  }
  const before = status(pid, "VmRSS");
  let sampled = before;
  let lastPong = performance.now();
  let seen = 0;
  let gap = 0;
  const sampler = setInterval(() => {
    try {
      sampled = Math.max(sampled, status(pid, "VmRSS"));
    } catch {
      // process gone
    }
    const now = performance.now();
    if (probe.samples.length > seen) {
      seen = probe.samples.length;
      lastPong = now;
    }
    gap = Math.max(gap, now - lastPong);
  }, 10);
  let note: string;
  try {
    note = await Promise.race([ATTACKS[name](t), Bun.sleep(timeoutMs).then(() => `gave up after ${timeoutMs} ms`)]);
    // The listener may still be working through what the attacker sent: wait for a few fresh pongs
    // (or give up), so a stall after the attacker left counts too.
    const n = probe.samples.length;
    const until = performance.now() + timeoutMs;
    while (probe.samples.length < n + 3 && !probe.lost && performance.now() < until) await Bun.sleep(20);
    await Bun.sleep(300);
  } finally {
    clearInterval(sampler);
  }
  let peak = sampled;
  try {
    peak = Math.max(peak, status(pid, "VmHWM"));
  } catch {
    // process gone
  }
  const maxPong = probe.samples.reduce((a, b) => Math.max(a, b), 0);
  const probeLost = probe.lost;
  probe.stop();
  await beside;
  await Bun.sleep(1000);
  let after = 0;
  try {
    after = status(pid, "VmRSS");
  } catch {
    // process gone
  }
  const result = { note, rssGrowth: peak - before, rssAfter: after - before, maxStallMs: Math.max(maxPong, gap), probeLost };
  return result;
}
