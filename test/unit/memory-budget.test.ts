/** MemoryBudget (src/core/memory-budget.ts): the process-wide cap on buffered bytes. */
import { describe, expect, test } from "bun:test";
import { MemoryBudget, MIN_WINDOW } from "../../src/core/memory-budget.ts";

describe("MemoryBudget", () => {
  test("windows are full below half the cap, shrink to MIN_WINDOW at the cap", () => {
    const b = new MemoryBudget(64 << 20);
    const w = 16 << 20;
    expect(b.window(w)).toBe(w);
    b.charge(32 << 20);
    expect(b.window(w)).toBe(w);
    b.charge(16 << 20);
    expect(b.window(w)).toBe(w / 2);
    b.charge(16 << 20);
    expect(b.window(w)).toBe(MIN_WINDOW);
    b.charge(100 << 20);
    expect(b.window(w)).toBe(MIN_WINDOW);
    expect(b.exhausted).toBe(true);
    b.charge(-(164 << 20));
    expect(b.used).toBe(0);
    expect(b.peak).toBe(164 << 20);
  });

  test("new sessions are admitted below 7/8 of the cap only", () => {
    const b = new MemoryBudget(8 << 20);
    expect(b.admit()).toBe(true);
    b.charge(7 << 20);
    expect(b.admit()).toBe(false);
    b.charge(-1);
    expect(b.admit()).toBe(true);
  });

  test("a cap below four minimum windows is a ConfigError", () => {
    expect(() => new MemoryBudget(1000)).toThrow(expect.objectContaining({ code: "EMAXMEMORY" }));
  });
});
