/** Listener admission counts (src/core/admission.ts): source addresses, caps in total and per address. */
import { describe, expect, test } from "bun:test";
import { Admission, DEFAULT_ACCEPT_LIMITS, sourceAddress } from "../../src/core/admission.ts";

describe("sourceAddress", () => {
  test.each([
    ["203.0.113.7:5000", "203.0.113.7"],
    ["[2001:db8::1]:443", "2001:db8::1"],
    ["[::ffff:198.18.0.1]:9000", "198.18.0.1"],
    ["[::ffff:1:2]:9000", "::ffff:1:2"],
    ["?", "?"],
    ["/run/bondcat.sock", "/run/bondcat.sock"],
  ])("%s → %s", (remote, addr) => expect(sourceAddress(remote)).toBe(addr));
});

describe("Admission", () => {
  const limits = { ...DEFAULT_ACCEPT_LIMITS, maxPending: 3, maxPendingPerAddr: 2, maxSessions: 3, maxSessionsPerAddr: 2 };

  test("pending handshakes: per address, then in total; a slot frees on leave", () => {
    const a = new Admission(limits);
    expect(a.enterHandshake("a")).toBeNull();
    expect(a.enterHandshake("a")).toBeNull();
    expect(a.enterHandshake("a")).toMatch(/2 handshakes pending from a \(--max-handshakes-per-addr\)/);
    expect(a.enterHandshake("b")).toBeNull();
    expect(a.enterHandshake("c")).toMatch(/3 handshakes pending \(--max-handshakes\)/);
    expect(a.pending).toBe(3);
    a.leaveHandshake("a");
    expect(a.enterHandshake("c")).toBeNull();
  });

  test("sessions: in total and per address; closing one frees its address's slot", () => {
    const a = new Admission(limits);
    expect(a.refuseSession("a")).toBeNull();
    a.sessionOpened("a");
    a.sessionOpened("a");
    expect(a.refuseSession("a")).toMatch(/2 sessions open from a/);
    expect(a.refuseSession("b")).toBeNull();
    expect(a.refuseSession("b", 1)).toMatch(/3 sessions open \(--max-sessions\)/); // one more opening
    a.sessionOpened("c"); // e.g. a v0 session: counted in the same total
    expect(a.refuseSession("b")).toMatch(/3 sessions open \(--max-sessions\)/);
    a.sessionClosed("a");
    expect(a.refuseSession("a")).toBeNull();
    expect(a.sessions).toBe(2);
  });
});
