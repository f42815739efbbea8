/**
 * Small hand-rolled SVG charts for the benchmarks: grouped bars and time lines, written by the bench
 * scripts from their own measurements (docs/img/*.svg, shown in BENCHMARKS.md and the README).
 *
 * Why hand-rolled: the charting libraries on npm either need a browser DOM (uPlot, Chart.js) or bring
 * a large dependency tree for server-side rendering (vega); two chart types in ~150 lines of plain SVG
 * need neither, and the output is a static, diff-able text file.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const W = 760;
const PAD = { left: 64, right: 16, top: 44, bottom: 64 };
const COLOURS = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#c53030", "#718096"];
const FONT = `font-family="system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif"`;

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** A "nice" upper bound and tick step for an axis that must reach `max`. */
export function niceScale(max: number, ticks = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  return { top: Number((Math.ceil(max / step) * step).toPrecision(12)), step };
}

function frame(title: string, height: number, body: string[], note?: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">${esc(title)}</text>`,
    ...body,
    note ? `<text x="${W - PAD.right}" y="38" text-anchor="end" fill="#718096" font-size="10">${esc(note)}</text>` : "",
    "</svg>",
  ].join("\n") + "\n";
}

/** Tick labels with as many decimals as the step needs (0, 20, 40 — or 0.25, 0.5). */
const tick = (v: number, step: number) => v.toFixed(Math.max(0, Math.min(3, -Math.floor(Math.log10(step) + 1e-9))));

function yAxis(top: number, step: number, h: number, label: string): string[] {
  const out: string[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    const y = PAD.top + h - (v / top) * h;
    out.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#e2e8f0"/>`);
    out.push(`<text x="${PAD.left - 6}" y="${y + 4}" text-anchor="end" fill="#4a5568">${tick(v, step)}</text>`);
  }
  out.push(`<text transform="translate(16 ${PAD.top + h / 2}) rotate(-90)" text-anchor="middle" fill="#4a5568">${esc(label)}</text>`);
  return out;
}

function legend(names: string[], y: number): string[] {
  let x = PAD.left;
  return names.flatMap((n, i) => {
    const item = [
      `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/>`,
      `<text x="${x + 14}" y="${y}" fill="#2d3748">${esc(n)}</text>`,
    ];
    x += 24 + n.length * 6.5;
    return item;
  });
}

export interface BarChart {
  title: string;
  /** Unit of the values, shown on the y axis. */
  unit: string;
  /** One group per category on the x axis (e.g. a link mix). */
  groups: string[];
  /** One series per bar colour; values[i] belongs to groups[i] (NaN: no bar). */
  series: { name: string; values: number[] }[];
  note?: string;
}

export function barChart(c: BarChart): string {
  const height = 360;
  const h = height - PAD.top - PAD.bottom;
  const max = Math.max(...c.series.flatMap((s) => s.values.filter(Number.isFinite)));
  const { top, step } = niceScale(max);
  const body = yAxis(top, step, h, c.unit);
  const gw = (W - PAD.left - PAD.right) / c.groups.length;
  const bw = Math.min(48, (gw * 0.8) / c.series.length);
  c.groups.forEach((g, gi) => {
    const x0 = PAD.left + gi * gw + (gw - bw * c.series.length) / 2;
    c.series.forEach((s, si) => {
      const v = s.values[gi];
      if (v === undefined || !Number.isFinite(v)) return;
      const bh = (v / top) * h;
      const x = x0 + si * bw;
      const y = PAD.top + h - bh;
      body.push(`<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(bw - 3).toFixed(1)}" height="${bh.toFixed(1)}" fill="${COLOURS[si % COLOURS.length]}"><title>${esc(`${s.name}, ${g}: ${fmt(v)} ${c.unit}`)}</title></rect>`);
      body.push(`<text x="${(x + (bw - 3) / 2).toFixed(1)}" y="${(y - 3).toFixed(1)}" text-anchor="middle" font-size="10" fill="#2d3748">${fmt(v)}</text>`);
    });
    body.push(`<text x="${(PAD.left + gi * gw + gw / 2).toFixed(1)}" y="${PAD.top + h + 16}" text-anchor="middle" fill="#2d3748">${esc(g)}</text>`);
  });
  body.push(...legend(c.series.map((s) => s.name), height - 24));
  return frame(c.title, height, body, c.note);
}

export interface LineChart {
  title: string;
  xLabel: string;
  unit: string;
  /** Each series: points [x, y], drawn as a step-free polyline. */
  series: { name: string; points: [number, number][] }[];
  /** Vertical markers, e.g. the moment a link was cut. */
  markers?: { x: number; label: string }[];
  note?: string;
}

export function lineChart(c: LineChart): string {
  const height = 380;
  const h = height - PAD.top - PAD.bottom;
  const w = W - PAD.left - PAD.right;
  const xs = c.series.flatMap((s) => s.points.map((p) => p[0]));
  const xmin = Math.min(...xs);
  const xmax = Math.max(...xs);
  const { top, step } = niceScale(Math.max(...c.series.flatMap((s) => s.points.map((p) => p[1]))));
  const X = (x: number) => PAD.left + ((x - xmin) / (xmax - xmin || 1)) * w;
  const Y = (y: number) => PAD.top + h - (y / top) * h;
  const body = yAxis(top, step, h, c.unit);
  const xs5 = niceScale(xmax - xmin, 8);
  for (let v = Math.ceil(xmin / xs5.step) * xs5.step; v <= xmax + 1e-9; v += xs5.step) {
    const label = tick(v, xs5.step).replace(/^-(0\.?0*)$/, "$1");
    body.push(`<text x="${X(v).toFixed(1)}" y="${PAD.top + h + 16}" text-anchor="middle" fill="#4a5568">${label}</text>`);
  }
  body.push(`<text x="${PAD.left + w / 2}" y="${PAD.top + h + 34}" text-anchor="middle" fill="#4a5568">${esc(c.xLabel)}</text>`);
  for (const m of c.markers ?? []) {
    body.push(`<line x1="${X(m.x).toFixed(1)}" x2="${X(m.x).toFixed(1)}" y1="${PAD.top}" y2="${PAD.top + h}" stroke="#c53030" stroke-dasharray="4 3"/>`);
    body.push(`<text x="${(X(m.x) + 4).toFixed(1)}" y="${PAD.top + 12}" fill="#c53030">${esc(m.label)}</text>`);
  }
  c.series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(" ");
    body.push(`<polyline points="${pts}" fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="1.8"/>`);
  });
  body.push(...legend(c.series.map((s) => s.name), height - 10));
  return frame(c.title, height, body, c.note);
}

/** Write a chart, creating its directory; returns the path for the log line. */
export function writeChart(path: string, svg: string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}
