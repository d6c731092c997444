// The statistics page's simulation panel. Simulating a year of study takes seconds, so the
// page asks /api/v1/stats/simulation only when the learner presses the button.
import { api } from "./api.js";
import { lineChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const pct = (x) => `${Math.round(x * 1000) / 10}%`;

function source(sim) {
  if (sim.parameters === "fitted") {
    const when = sim.fitted_at ? ` on ${sim.fitted_at.slice(0, 10)}` : "";
    return `your own FSRS-6 parameters (fitted on ${sim.review_count} reviews${when})`;
  }
  return "the FSRS-6 default parameters (nothing fitted yet: run tokendeck optimize)";
}

function perDay(minutes) {
  return minutes < 1 ? `${Math.round(minutes * 60)} seconds` : `${minutes.toFixed(1)} minutes`;
}

function describe(sim) {
  const best = sim.points.find((p) => p.desired_retention === sim.recommended_retention) || sim.points[0];
  return `${sim.deck_size} cards, ${sim.new_per_day} new a day, ${sim.days} days, with ${source(sim)}. `
    + `Recommended desired retention ${pct(sim.recommended_retention)} (dashed line; least study time per remembered card): `
    + `about ${perDay(best.minutes_per_day)} a day, ${pct(best.remembered_share)} of the cards remembered at the end. `
    + `Your setting now: ${pct(sim.desired_retention)}.`;
}

function draw(sim) {
  const xs = sim.points.map((p) => Math.round(p.desired_retention * 1000) / 10);
  const minutes = sim.points.map((p) => p.minutes_per_day);
  const remembered = sim.points.map((p) => p.remembered_share * 100);
  lineChart($("simulation"), [xs, minutes, remembered],
    [{ label: "Minutes a day" }, { label: "Remembered %", scale: "pct", color: "#ff7f0e" }],
    { y2: true, xValues: (u, v) => v.map((x) => `${x}%`), markX: sim.recommended_retention * 100 });
  $("d-simulation").textContent = describe(sim);
}

async function simulate() {
  const button = $("simulate");
  button.disabled = true;
  $("simulation-status").textContent = "Simulating…";
  try {
    const deck = $("charts").dataset.deck;
    const sim = await api(`/stats/simulation${deck ? `?deck=${encodeURIComponent(deck)}` : ""}`);
    draw(sim);
    const which = sim.parameters === "fitted" ? "your fitted parameters" : "the default parameters";
    $("simulation-status").textContent = `Simulated with ${which}.`;
    document.body.dataset.simulationReady = "true";
  } catch (error) {
    $("simulation-status").textContent = error.message;
  } finally {
    button.disabled = false;
  }
}

$("simulate").addEventListener("click", simulate);
