/** The benchmarks' SVG charts: valid, self-contained SVG with every value drawn and text escaped. */
import { describe, expect, test } from "bun:test";
import { barChart, lineChart, niceScale } from "../../bench/svg.ts";

describe("bench charts", () => {
  test("niceScale reaches the maximum with round steps", () => {
    expect(niceScale(373)).toEqual({ top: 400, step: 100 });
    expect(niceScale(0.29)).toEqual({ top: 0.3, step: 0.1 });
    expect(niceScale(0)).toEqual({ top: 1, step: 0.2 });
  });

  test("bar chart: one bar per finite value, labels escaped", () => {
    const svg = barChart({
      title: "a <b> & c", unit: "Mbit/s", groups: ["60 + 20", "100 + 10"],
      series: [{ name: "bondcat", values: [72, 95] }, { name: "MPTCP", values: [60, Number.NaN] }],
    });
    expect(svg).toStartWith("<svg xmlns=\"http://www.w3.org/2000/svg\"");
    expect(svg.match(/<rect x=/g)?.length).toBe(3 + 2); // 3 bars + 2 legend swatches
    expect(svg).toContain("a &lt;b&gt; &amp; c");
    expect(svg).not.toContain("NaN");
  });

  test("line chart: a polyline per series and the markers", () => {
    const svg = lineChart({
      title: "cut", xLabel: "s", unit: "Mbit/s",
      series: [{ name: "path 1", points: [[0, 1], [1, 2], [2, 0]] }, { name: "path 2", points: [[0, 3], [2, 3]] }],
      markers: [{ x: 1, label: "cut" }],
    });
    expect(svg.match(/<polyline/g)?.length).toBe(2);
    expect(svg).toContain("stroke-dasharray");
    expect(svg).not.toContain("NaN");
  });
});
