/** WasteCollector: a collection every `every` wasted bytes, at most `maxShare` of the time. */
import { expect, test } from "bun:test";
import { WasteCollector } from "../../src/core/waste-collector.ts";

test("collects once per `every` wasted bytes, never for less", () => {
  let runs = 0;
  let clock = 0;
  const w = new WasteCollector(1000, 0.25, () => runs++, () => clock);
  w.add(999);
  expect(runs).toBe(0);
  w.add(1);
  expect(runs).toBe(1);
  clock = 1000;
  for (let i = 0; i < 10; i++) w.add(100);
  expect(runs).toBe(2);
  expect(w.collections).toBe(2);
});

test("a slow collection buys a quiet period: forced collections take at most maxShare of the time", () => {
  let clock = 0;
  let runs = 0;
  // Each collection takes 10 ms: with maxShare 0.25 the next may start 40 ms after this one started.
  const w = new WasteCollector(1, 0.25, () => { runs++; clock += 10; }, () => clock);
  w.add(1);
  expect(runs).toBe(1);
  clock = 39;
  w.add(5);
  expect(runs).toBe(1); // still quiet; the waste is kept for later
  clock = 40;
  w.add(1);
  expect(runs).toBe(2);
});

test("the real collector runs Bun's collection without throwing", () => {
  const w = new WasteCollector(1);
  w.add(2);
  expect(w.collections).toBe(1);
});
