/** RttEstimator (src/core/rtt.ts): RFC 6298 smoothing and the clamped timeout. */
import { describe, expect, test } from "bun:test";
import { RttEstimator } from "../../src/core/rtt.ts";

describe("RttEstimator", () => {
  test("starts empty: timeout is the ceiling", () => {
    const r = new RttEstimator();
    expect(r.samples).toBe(0);
    expect(r.srtt).toBe(0);
    expect(r.min).toBe(Infinity);
    expect(r.timeout(200, 1000)).toBe(1000);
  });

  test("first sample: srtt = R, rttvar = R/2", () => {
    const r = new RttEstimator();
    r.sample(100);
    expect(r.srtt).toBe(100);
    expect(r.rttvar).toBe(50);
    expect(r.latest).toBe(100);
    expect(r.min).toBe(100);
    expect(r.samples).toBe(1);
  });

  test("later samples: rttvar = 3/4·rttvar + 1/4·|srtt − R|, then srtt = 7/8·srtt + 1/8·R", () => {
    const r = new RttEstimator();
    r.sample(100);
    r.sample(20);
    expect(r.rttvar).toBe(0.75 * 50 + 0.25 * 80); // 57.5, uses the old srtt
    expect(r.srtt).toBe(0.875 * 100 + 0.125 * 20); // 90
    r.sample(90);
    expect(r.rttvar).toBe(0.75 * 57.5 + 0.25 * 0);
    expect(r.srtt).toBe(90);
    expect(r.latest).toBe(90);
    expect(r.min).toBe(20);
    expect(r.samples).toBe(3);
  });

  test("converges towards a steady RTT", () => {
    const r = new RttEstimator();
    r.sample(500);
    for (let i = 0; i < 200; i++) r.sample(10);
    expect(r.srtt).toBeCloseTo(10, 6);
    expect(r.rttvar).toBeCloseTo(0, 6);
    expect(r.min).toBe(10);
  });

  test("negative and NaN samples are ignored; zero is a sample", () => {
    const r = new RttEstimator();
    r.sample(-1);
    r.sample(Number.NaN);
    expect(r.samples).toBe(0);
    r.sample(0);
    expect(r.samples).toBe(1);
    expect(r.srtt).toBe(0);
    expect(r.min).toBe(0);
  });

  test("timeout = srtt + 4·rttvar, clamped to [floor, ceil]", () => {
    const r = new RttEstimator();
    r.sample(100); // 100 + 4·50 = 300
    expect(r.timeout(200, 1000)).toBe(300);
    expect(r.timeout(400, 1000)).toBe(400);
    expect(r.timeout(100, 250)).toBe(250);
    const fast = new RttEstimator();
    fast.sample(1);
    expect(fast.timeout(200, 1000)).toBe(200);
  });
});
