// The browse page: search, sort, select and act on cards; add cards with a live preview.
import { api, announce, esc, showHtml } from "./api.js";

const $ = (id) => document.getElementById(id);
let order = "due";
let descending = false;
let shown = [];

function params() {
  const p = new URLSearchParams({ q: $("q").value, order, limit: "500" });
  if ($("deck").value) p.set("deck", $("deck").value);
  if ($("state").value) p.set("state", $("state").value);
  if ($("due").checked) p.set("due", "true");
  return p;
}

function row(card) {
  const due = card.state === "new" ? "new" : new Date(card.due).toLocaleDateString();
  const text = card.front.length > 120 ? `${card.front.slice(0, 117)}…` : card.front;
  return `<tr data-id="${card.id}">
    <td><input type="checkbox" class="pick" value="${card.id}" aria-label="Select card ${card.id}"></td>
    <td class="front"><a href="/cards/${card.id}">${esc(text)}</a>${card.suspended ? ' <span class="muted">(suspended)</span>' : ""}</td>
    <td class="wide">${esc(card.deck)}</td>
    <td class="wide">${card.state}</td>
    <td>${due}</td>
    <td class="n wide">${card.lapses}</td></tr>`;
}

async function search(event) {
  if (event) event.preventDefault();
  try {
    const result = await api(`/cards?${params()}`);
    shown = descending ? result.cards.reverse() : result.cards;
    document.querySelector("#cards tbody").innerHTML = shown.map(row).join("");
    const more = result.total > result.cards.length ? ` (showing ${result.cards.length})` : "";
    $("result-count").textContent = `${result.total} card${result.total === 1 ? "" : "s"} found${more}`;
    $("select-all").checked = false;
  } catch (error) {
    $("result-count").textContent = error.message;
  }
}

function sortBy(button) {
  const key = button.dataset.order;
  descending = key === order ? !descending : false;
  order = key;
  for (const th of document.querySelectorAll("#cards th[aria-sort]")) th.setAttribute("aria-sort", "none");
  button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
  search();
  announce(`Sorted by ${button.textContent}, ${descending ? "descending" : "ascending"}`);
}

function selected() {
  return [...document.querySelectorAll("#cards .pick:checked")].map((box) => Number(box.value));
}

async function bulk(event) {
  event.preventDefault();
  const ids = selected();
  const action = $("bulk-action").value;
  if (!ids.length) return announce("Select some cards first.");
  if (action === "delete" && !confirm(`Delete ${ids.length} card(s)?`)) return;
  const arg = $("bulk-arg").value.trim();
  const body = { action, card_ids: ids };
  if (action === "move") body.deck = arg;
  if (action === "tag" || action === "untag") body.tags = arg.split(/[\s,]+/).filter(Boolean);
  try {
    const result = await api("/cards/bulk", { method: "POST", body });
    announce(`${result.action}: ${result.count} card(s) done.`);
    await search();
  } catch (error) {
    announce(`Error: ${error.message}`);
    $("result-count").textContent = error.message;
  }
}

let previewTimer = 0;
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    for (const side of ["front", "back"]) {
      const result = await api("/preview", { method: "POST", body: { text: $(`add-${side}`).value } });
      showHtml($(`preview-${side}`), result.html);
    }
  }, 200);
}

async function addCard(event) {
  event.preventDefault();
  const body = {
    deck: $("add-deck").value,
    front: $("add-front").value,
    back: $("add-back").value,
    reverse: $("add-reverse").checked,
    tags: $("add-tags").value.split(/[\s,]+/).filter(Boolean),
  };
  try {
    await api("/notes", { method: "POST", body });
    $("add-status").textContent = `Added to ${body.deck}.`;
    $("add-front").value = "";
    $("add-back").value = "";
    schedulePreview();
    $("add-front").focus();
    await search();
  } catch (error) {
    $("add-status").textContent = `Error: ${error.message}`;
  }
}

$("search").addEventListener("submit", search);
$("bulk").addEventListener("submit", bulk);
$("add-form").addEventListener("submit", addCard);
$("add-front").addEventListener("input", schedulePreview);
$("add-back").addEventListener("input", schedulePreview);
$("select-all").addEventListener("change", (event) => {
  for (const box of document.querySelectorAll("#cards .pick")) box.checked = event.target.checked;
});
for (const button of document.querySelectorAll("#cards button.sort")) {
  button.addEventListener("click", () => sortBy(button));
}
if (location.hash === "#add") $("add").open = true;
search();
