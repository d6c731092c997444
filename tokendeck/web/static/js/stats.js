// The statistics page: fetch /api/v1/stats once and draw every chart.
import { api } from "./api.js";
import { barChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const deck = $("charts").dataset.deck;
const RATINGS = ["Again", "Hard", "Good", "Easy"];
const range = (n) => Array.from({ length: n }, (_, i) => i);
const sum = (xs) => xs.reduce((a, b) => a + b, 0);
const pct = (x) => (x == null ? "–" : `${(x * 100).toFixed(1)}%`);

function forecast(stats) {
  const days = Number(document.querySelector("input[name=forecast-range]:checked").value);
  const counts = stats.forecast.slice(0, days);
  barChart($("forecast"), [range(days), counts], [{ label: "Cards due" }], { xValues: (u, v) => v.map((d) => `+${d}d`) });
  $("d-forecast").textContent = `${sum(counts)} cards due in the next ${days} days, ${counts[0]} today.`;
}

function heatmap(stats) {
  const { dates, total } = stats.daily;
  const top = Math.max(1, ...total);
  const first = new Date(`${dates[0]}T00:00:00`).getDay();
  const cells = range(first).map(() => "<span aria-hidden=\"true\" style=\"visibility:hidden\"></span>");
  dates.forEach((day, i) => {
    const level = total[i] === 0 ? 0 : Math.min(4, Math.ceil((total[i] / top) * 4));
    cells.push(`<span data-level="${level}" title="${day}: ${total[i]} reviews"></span>`);
  });
  $("heatmap").innerHTML = cells.join("");
  $("heatmap").scrollLeft = $("heatmap").scrollWidth; // recent weeks first on narrow screens
  $("heatmap").dataset.total = String(sum(total));
  const active = total.filter((n) => n > 0).length;
  $("d-heatmap").textContent = `${sum(total)} reviews on ${active} of the last ${dates.length} days.`;
}

function daily(stats) {
  const n = 30;
  const kinds = stats.daily.by_kind;
  const last = (xs) => xs.slice(-n);
  const learn = last(kinds.learn), review = last(kinds.review), relearn = last(kinds.relearn);
  // Drawn as stacked bars: each series is the running total, later (smaller) ones on top.
  const stack2 = review.map((v, i) => v + learn[i]);
  const stack3 = relearn.map((v, i) => v + stack2[i]);
  barChart($("daily"), [range(n).map((i) => i - n + 1), stack3, stack2, learn],
    [{ label: "Relearn", color: "#d62728" }, { label: "Review", color: "#2ca02c" }, { label: "Learn", color: "#1f77b4" }],
    { xValues: (u, v) => v.map((d) => (d === 0 ? "today" : `${d}d`)) });
  $("d-daily").textContent = `Last ${n} days: ${sum(learn)} learning, ${sum(review)} review, ${sum(relearn)} relearning answers.`;
}

function buttons(stats) {
  const groups = ["learning", "young", "mature"];
  const xs = [], series = groups.map(() => []);
  groups.forEach((group, g) => stats.buttons[group].forEach((count, r) => {
    xs.push(g * 5 + r + 1);
    series.forEach((s, i) => s.push(i === g ? count : null));
  }));
  const label = (x) => `${groups[Math.floor((x - 1) / 5)][0].toUpperCase()} ${RATINGS[(x - 1) % 5] || ""}`;
  barChart($("buttons"), [xs, ...series], groups.map((g) => ({ label: g })), { xValues: (u, v) => v.map(label) });
  $("d-buttons").textContent = groups.map((g) => `${g}: ${stats.buttons[g].map((c, i) => `${RATINGS[i]} ${c}`).join(", ")}`).join("; ");
}

function retention(stats) {
  const cell = (c) => `${pct(c.rate)} <span class="muted">(${c.passed}/${c.total})</span>`;
  document.querySelector("#retention tbody").innerHTML = stats.retention
    .map((r) => `<tr><th scope="row">${r.period}</th><td class="n">${cell(r.young)}</td><td class="n">${cell(r.mature)}</td></tr>`)
    .join("");
}

function states(stats) {
  const names = Object.keys(stats.states);
  barChart($("states"), [range(names.length), names.map((k) => stats.states[k])], [{ label: "Cards" }],
    { xValues: (u, v) => v.map((i) => names[i] || "") });
  $("d-states").textContent = names.map((k) => `${k} ${stats.states[k]}`).join(", ");
}

function histograms(stats) {
  for (const element of document.querySelectorAll(".histogram")) {
    const h = stats.histograms[element.dataset.key];
    const labels = h.edges.slice(0, -1).map((e) => (Number.isInteger(e) ? String(e) : e.toFixed(1)));
    barChart(element, [range(h.counts.length), h.counts], [{ label: "Cards" }], { xValues: (u, v) => v.map((i) => labels[i] ?? "") });
    $(`d-${element.dataset.key}`).textContent = `${sum(h.counts)} studied cards. Bins start at ${labels.join(", ")}.`;
  }
}

function hourly(stats) {
  const h = stats.hourly;
  barChart($("hourly"), [h.hours, h.count, h.pass_rate.map((r) => r * 100)],
    [{ label: "Reviews" }, { label: "Pass %", scale: "pct", line: true, color: "#ff7f0e" }], { y2: true });
  const busiest = h.count.indexOf(Math.max(...h.count));
  $("d-hourly").textContent = `${sum(h.count)} reviews; busiest hour ${busiest}:00.`;
}

async function main() {
  try {
    const stats = await api(`/stats${deck ? `?deck=${encodeURIComponent(deck)}` : ""}`);
    for (const draw of [forecast, heatmap, daily, buttons, retention, states, histograms, hourly]) draw(stats);
    for (const radio of document.querySelectorAll("input[name=forecast-range]")) radio.addEventListener("change", () => forecast(stats));
    $("stats-status").textContent = `${stats.total_reviews} reviews of ${stats.total_cards} cards${deck ? ` in ${deck}` : ""}.`;
    document.body.dataset.statsReady = "true";
  } catch (error) {
    $("stats-status").textContent = error.message;
  }
}

window.addEventListener("load", main);
