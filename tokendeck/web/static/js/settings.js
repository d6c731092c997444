// The settings page: the study day, saved through the API (deck options: the Decks page).
import { api, announce } from "./api.js";

const $ = (id) => document.getElementById(id);

async function save(form, status, request) {
  try {
    await request();
    status.textContent = "Saved.";
    announce("Settings saved.");
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
