// The settings page: the study day, and each deck's options, saved through the API.
import { api, announce } from "./api.js";

const $ = (id) => document.getElementById(id);
const UNITS = { s: 1, m: 60, h: 3600, d: 86400 };

function parseSteps(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((token) => {
    const unit = UNITS[token.slice(-1)] ? token.slice(-1) : "m";
    const number = Number(UNITS[token.slice(-1)] ? token.slice(0, -1) : token);
    if (!(number > 0)) throw new Error(`bad step "${token}": write steps like 1m 10m 1h`);
    return number * UNITS[unit];
  });
}

async function save(form, status, request) {
  try {
    await request();
    status.textContent = "Saved.";
    announce(`${form.getAttribute("aria-labelledby") === "general-title" ? "Settings" : "Deck options"} saved.`);
  } catch (error) {
    status.textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  }
}

$("general").addEventListener("submit", (event) => {
  event.preventDefault();
  const body = { rollover_hour: Number($("rollover").value), timezone: $("timezone").value.trim() };
  save(event.target, $("general-status"), () => api("/settings", { method: "PATCH", body }));
});

for (const form of document.querySelectorAll(".deck-options")) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const field = (name) => form.elements[name].value;
    save(form, form.querySelector(".status"), () => api(`/decks/${form.dataset.deckId}/config`, {
      method: "PATCH",
      body: {
        desired_retention: Number(field("desired_retention")),
        new_per_day: Number(field("new_per_day")),
        reviews_per_day: Number(field("reviews_per_day")),
        learning_steps: parseSteps(field("learning_steps")),
        relearning_steps: parseSteps(field("relearning_steps")),
      },
    }));
  });
}

$("check").addEventListener("click", async () => {
  const result = $("check-result");
  result.textContent = "Checking…";
  try {
    const report = await api("/check", { method: "POST" });
    result.replaceChildren();
    if (!report.findings.length) {
      result.textContent = "The collection is sound: nothing to repair.";
    } else {
      const list = document.createElement("ul");
      for (const finding of report.findings) {
        const item = document.createElement("li");
        const done = finding.repaired ? "repaired" : "not repaired";
        item.textContent = `${finding.count} ${finding.problem} (${done})${finding.repaired || !finding.hint ? "" : ": " + finding.hint}`;
        list.append(item);
      }
      result.append(list);
    }
    announce(report.ok ? "Check finished: the collection is sound." : "Check finished: some problems need you.");
  } catch (error) {
    result.textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  }
});
