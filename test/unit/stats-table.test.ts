/**
 * --stats rendering (src/cli/stats-table.ts) and the progress-line policy (src/cli/stats.ts): unit
 * tests living next to the stats e2e tests (they could move to test/unit).
 */
import { describe, expect, test } from "bun:test";
import { closeSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SessionStats, SubflowStats } from "../../src/core/stats.ts";
import { looksLikeTransfer } from "../../src/cli/stats.ts";
import { RateTracker, statsJson, statsTable } from "../../src/cli/stats-table.ts";
import { formatBytes, formatRate, formatRtt } from "../../src/modes/format.ts";

function sub(id: number, sent: number, received: number, extra: Partial<SubflowStats> = {}): SubflowStats {
  return {
    id, transport: "tcp", local: `10.0.0.1:${5000 + id}`, remote: "10.0.0.2:9000", label: "", state: "up",
    backup: false, bytesSent: sent, bytesReceived: received, reinjectedBytes: 0, inflight: 0, srttMs: 1.5,
    rateBps: 0, ...extra,
  };
}

function session(acked: number, received: number, subflows: SubflowStats[]): SessionStats {
  return {
    id: "0123456789abcdef", state: "open", uptimeMs: 2500, bytesSent: acked, bytesAcked: acked, bytesReceived: received,
    duplicateBytes: 0, reinjectedBytes: 0, sendBuffered: 0, reorderBuffered: 0, subflows,
  };
}

describe("RateTracker", () => {
  test("rates are deltas over the time between snapshots; new sessions and subflows start at 0 B/s", () => {
    const t = new RateTracker();
    const [first] = t.update([session(0, 0, [sub(1, 0, 0)])], 1000);
    expect(first!.txBps).toBe(0);
    const [r] = t.update([session(2 << 20, 1 << 20, [sub(1, 1 << 20, 0), sub(2, 1 << 20, 512)])], 1500);
    expect(r!.txBps).toBe(4 << 20); // 2 MiB in 0.5 s
    expect(r!.rxBps).toBe(2 << 20);
    expect(r!.subflows.map((f) => f.txBps)).toEqual([2 << 20, 0]);
    const [again] = t.update([session(2 << 20, 1 << 20, [sub(2, 2 << 20, 512)])], 2500);
    expect(again!.subflows[0]!.txBps).toBe(1 << 20); // subflow 2 now has a mark
  });
});

describe("statsTable / statsJson", () => {
  test("one summary line, a header, aligned rows with every column", () => {
    const t = new RateTracker();
    t.update([session(0, 0, [sub(1, 0, 0), sub(12, 0, 0)])], 0);
    const [r] = t.update([session(3 << 20, 1024, [sub(1, 2 << 20, 0, { reinjectedBytes: 65536 }), sub(12, 1 << 20, 1024, { srttMs: null, backup: true })])], 1000);
    const lines = statsTable(r!);
    expect(lines[0]).toBe("session 01234567  open  up 2.5s  TX 3.00 MiB 3.00 MiB/s  RX 1.00 KiB 1.00 KiB/s  reinjected 0 B  2 subflows");
    expect(lines[1]).toMatch(/^ {2}ID {2}TRANSPORT {2}LOCAL → REMOTE {2}.*STATE.*TX.*RX.*RTT.*REINJECTED$/);
    expect(lines[2]).toContain("10.0.0.1:5001 → 10.0.0.2:9000");
    expect(lines[2]).toContain("2.00 MiB/s");
    expect(lines[2]).toContain("1.50 ms");
    expect(lines[2]).toMatch(/64\.0 KiB$/);
    expect(lines[3]).toContain("up (backup)");
    expect(lines[3]).toMatch(/\s-\s+0 B$/); // no RTT sample yet
    const header = lines[1]!;
    expect(lines[2]!.indexOf("10.0.0.1")).toBe(header.indexOf("LOCAL"));
    expect(lines[3]!.indexOf("10.0.0.1")).toBe(header.indexOf("LOCAL"));
  });

  test("no subflow up", () => {
    const [r] = new RateTracker().update([session(0, 0, [])], 0);
    expect(statsTable(r!)).toEqual([expect.stringContaining("0 subflows"), "  (no subflow up)"]);
  });

  test("JSON: one object, rates rounded, stable field names", () => {
    const [r] = new RateTracker().update([session(10, 20, [sub(1, 10, 20)])], 0);
    const o = JSON.parse(statsJson(r!, new Date(0)));
    expect(o).toMatchObject({ time: "1970-01-01T00:00:00.000Z", session: "0123456789abcdef", bytesAcked: 10, bytesReceived: 20, txBps: 0 });
    expect(Object.keys(o.subflows[0])).toEqual([
      "id", "transport", "local", "remote", "label", "state", "backup", "bytesSent", "bytesReceived", "txBps", "rxBps",
      "srttMs", "inflight", "reinjectedBytes",
    ]);
  });
});

describe("format", () => {
  test("bytes, rates, RTT", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(1536)).toBe("1.50 KiB");
    expect(formatBytes(123.4 * 1024 * 1024)).toBe("123 MiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.00 GiB");
    expect(formatRate(10.5 * 1024 * 1024)).toBe("10.5 MiB/s");
    expect(formatRtt(null)).toBe("-");
    expect(formatRtt(0.4)).toBe("0.40 ms");
    expect(formatRtt(42.4)).toBe("42 ms");
  });
});

describe("progress line policy", () => {
  test("a regular file on either side is a transfer; two pipes are not", () => {
    const file = join(tmpdir(), `bondcat-progress-${process.pid}`);
    const fifo = `${file}.fifo`;
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const fd = openSync(file, "w");
    const p = openSync(fifo, "r+"); // read-write: does not block on a FIFO (Linux)
    try {
      expect(looksLikeTransfer(fd, p)).toBe(true);
      expect(looksLikeTransfer(p, fd)).toBe(true);
      expect(looksLikeTransfer(p, p)).toBe(false); // ssh ProxyCommand: both pipes/sockets
    } finally {
      closeSync(fd);
      closeSync(p);
      rmSync(file, { force: true });
      rmSync(fifo, { force: true });
    }
  });
});
