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
