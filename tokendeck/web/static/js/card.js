// The card info page: edit, delete, review history and the card's forgetting curve.
import { api, announce, esc, showCard, typeset } from "./api.js";
import { readFields } from "./fields.js";
import { drawOcclusions } from "./occlusion.js";
import { lineChart } from "./charts.js";

const $ = (id) => document.getElementById(id);
const root = $("card-info");
const cardId = Number(root.dataset.cardId);
const noteId = Number(root.dataset.noteId);
const anki = root.dataset.format === "html";
const macros = JSON.parse(root.dataset.macros || "{}");
const NAMES = ["manual", "Again", "Hard", "Good", "Easy"];

async function load() {
  const info = await api(`/cards/${cardId}/info`);
  $("recall").textContent = info.retrievability == null ? "–" : `${Math.round(info.retrievability * 100)}%`;
  document.querySelector("#history tbody").innerHTML = info.history.map((r) => `<tr>
    <td>${new Date(r.reviewed_at).toLocaleString()}</td><td>${NAMES[r.rating] || r.rating}</td>
    <td>${esc(r.kind)}</td><td class="n">${r.scheduled_days.toFixed(1)}</td>
    <td class="n">${r.stability == null ? "–" : r.stability.toFixed(1)}</td></tr>`).join("");
  const curve = info.forgetting_curve;
  const times = curve.times.map((t) => Date.parse(t) / 1000);
  $("curve").dataset.points = String(times.length);
  if (times.length) {
    lineChart($("curve"), [times, curve.recall.map((r) => r * 100)], [{ label: "Recall %" }], { time: true, yMax: 100 });
  } else {
    $("curve").textContent = "No reviews yet: the curve starts at the first review.";
  }
}

async function save(event) {
  event.preventDefault();
  try {
    const tags = $("edit-tags").value.split(/[\s,]+/).filter(Boolean);
    const body = anki ? { fields: readFields($("edit-fields")), tags } : { front: $("edit-front").value, back: $("edit-back").value, tags };
    // The note as this page loaded it (or last saved it): a change made since elsewhere
    // is not overwritten (409, shown below the form).
    body.modified_at = root.dataset.modified || null;
    const saved = await api(`/notes/${noteId}`, { method: "PATCH", body });
    root.dataset.modified = saved.modified_at || "";
    const card = await api(`/cards/${cardId}`);
    showCard($("front"), card.front_html, card);
    showCard($("back"), card.back_html, card);
    $("edit-status").textContent = "Saved.";
    announce("Card saved.");
  } catch (error) {
    $("edit-status").textContent = `Error: ${error.message}`;
  }
}

async function remove() {
  if (!confirm("Delete this card?")) return;
  await api(`/cards/${cardId}`, { method: "DELETE" });
  location.href = "/browse";
}

$("edit-form").addEventListener("submit", save);
// Ctrl+Enter (Cmd+Enter on a Mac) saves, from any field of the form.
$("edit-form").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) save(event);
});
$("delete").addEventListener("click", remove);
typeset($("front"), 20, macros);
typeset($("back"), 20, macros);
drawOcclusions($("front"));
drawOcclusions($("back"));
window.addEventListener("load", load);
