// Small wrappers over the vendored uPlot (window.uPlot, loaded with `defer`).

const PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd"];

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function axes(opts) {
  const fg = cssVar("--fg");
  const grid = { stroke: cssVar("--line"), width: 1 };
  const x = { stroke: fg, grid, ticks: grid };
  if (opts.xValues) x.values = opts.xValues;
  const y = { stroke: fg, grid, ticks: grid };
  const list = [x, y];
  if (opts.y2) list.push({ scale: "pct", side: 1, stroke: fg, grid: { show: false }, values: (u, v) => v.map((n) => `${n}%`) });
  return list;
}

function draw(element, data, series, opts, bars) {
  const width = Math.max(280, element.clientWidth || 400);
  const paths = bars ? window.uPlot.paths.bars({ size: [0.8, 40] }) : undefined;
  const config = {
    width,
    height: opts.height || 220,
    scales: { x: { time: Boolean(opts.time) }, y: opts.yMax ? { range: [0, opts.yMax] } : {}, pct: { range: [0, 100] } },
    axes: axes(opts),
    legend: { live: false },
    hooks: opts.markX == null ? {} : { draw: [(u) => markX(u, opts.markX)] },
    series: [{}, ...series.map((s, i) => ({
      label: s.label,
      stroke: s.color || PALETTE[i % PALETTE.length],
      fill: bars ? `${s.color || PALETTE[i % PALETTE.length]}cc` : undefined,
      width: 2,
      scale: s.scale || "y",
      paths: s.line ? undefined : paths,
      points: { show: false },
    }))],
  };
  element.replaceChildren();
  const chart = new window.uPlot(config, data, element);
  const total = data.slice(1).flat().reduce((sum, v) => sum + (Number(v) || 0), 0);
  element.dataset.total = String(total);
  window.addEventListener("resize", () => chart.setSize({ width: Math.max(280, element.clientWidth), height: config.height }));
  return chart;
}

/** A dashed vertical line at x value `x` (e.g. a recommended setting). */
function markX(u, x) {
  const left = u.valToPos(x, "x", true);
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = cssVar("--fg");
  ctx.lineWidth = 2;
  ctx.setLineDash([8, 6]);
  ctx.beginPath();
  ctx.moveTo(left, bbox.top);
  ctx.lineTo(left, bbox.top + bbox.height);
  ctx.stroke();
  ctx.restore();
}

/** A line chart; `data` is [xs, ys1, ys2, ...] as uPlot wants; `opts.markX` draws a dashed line. */
export function lineChart(element, data, series, opts = {}) {
  return whenReady(() => draw(element, data, series, opts, false));
}

/** A bar chart (series drawn in order, later ones on top). */
export function barChart(element, data, series, opts = {}) {
  return whenReady(() => draw(element, data, series, opts, true));
}

function whenReady(fn, tries = 40) {
  if (window.uPlot) return fn();
  if (tries > 0) setTimeout(() => whenReady(fn, tries - 1), 50);
  return null;
}
