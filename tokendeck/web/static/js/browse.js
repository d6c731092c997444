// The browse page: search, sort, select and act on cards; add cards with a live preview.
import { api, announce, esc, showHtml } from "./api.js";

const $ = (id) => document.getElementById(id);
const FLAGS = ["", "red", "orange", "green", "blue", "pink", "turquoise", "purple"];
let order = "due";
let descending = false;
// Keyset paging: the cursor of each page shown so far (null for the first).
let cursors = [null];
let page = 0;
let total = 0;
let nextCursor = null;
// The selection lives across pages: chosen ids, or "every match of the search" but some.
let chosen = new Set();
let everyMatch = false;
let leftOut = new Set();
let searched = { q: "", deck: "" };

function searchText() {
  const parts = [$("q").value.trim()];
  if ($("state").value) parts.push(`state:${$("state").value}`);
  if ($("due").checked) parts.push("is:due");
  return parts.filter(Boolean).join(" ");
}

function params() {
  const p = new URLSearchParams({ q: searched.q, order, limit: $("page-size").value });
  if (searched.deck) p.set("deck", searched.deck);
  if (descending) p.set("reverse", "true");
  if (cursors[page]) p.set("after", cursors[page]);
  return p;
}

function isChosen(id) {
  return everyMatch ? !leftOut.has(id) : chosen.has(id);
}

function selectedCount() {
  return everyMatch ? total - leftOut.size : chosen.size;
}

function showSelection() {
  const count = selectedCount();
  $("selection-count").textContent = count
    ? `${count} card${count === 1 ? "" : "s"} selected${everyMatch ? " (every match of the search)" : ""}.`
    : "No cards selected.";
  $("select-matching").textContent = `Select all ${total} matching card${total === 1 ? "" : "s"}`;
  const boxes = [...document.querySelectorAll("#cards .pick")];
  $("select-all").checked = boxes.length > 0 && boxes.every((box) => box.checked);
}

function row(card) {
  const due = card.state === "new" ? "new" : new Date(card.due).toLocaleDateString();
  const text = card.front.length > 120 ? `${card.front.slice(0, 117)}…` : card.front;
  const flag = card.flag ? `<span class="swatch flag-${card.flag}" aria-hidden="true"></span> ${FLAGS[card.flag]}` : "";
  return `<tr data-id="${card.id}">
    <td><input type="checkbox" class="pick" value="${card.id}" aria-label="Select card ${card.id}"${isChosen(card.id) ? " checked" : ""}></td>
    <td class="front"><a href="/cards/${card.id}">${esc(text)}</a>${card.suspended ? ' <span class="muted">(suspended)</span>' : ""}</td>
    <td class="wide">${esc(card.deck)}</td>
    <td class="wide">${card.state}</td>
    <td class="wide">${flag}</td>
    <td>${due}</td>
    <td class="n wide">${card.lapses}</td></tr>`;
}

async function load() {
  try {
    const result = await api(`/cards?${params()}`);
    total = result.total;
    nextCursor = result.next;
    document.querySelector("#cards tbody").innerHTML = result.cards.map(row).join("");
    const size = Number($("page-size").value);
    const first = page * size + (result.cards.length ? 1 : 0);
    const last = page * size + result.cards.length;
    $("result-count").textContent = `${total} card${total === 1 ? "" : "s"} found`;
    $("page-label").textContent = total ? `${first}–${last} of ${total}` : "";
    $("prev-page").disabled = page === 0;
    $("first-page").disabled = page === 0;
    $("next-page").disabled = !nextCursor;
    for (const box of document.querySelectorAll("#cards .pick")) box.addEventListener("change", pick);
    showSelection();
  } catch (error) {
    $("result-count").textContent = error.message;
  }
}

function search(event) {
  if (event) event.preventDefault();
  searched = { q: searchText(), deck: $("deck").value };
  cursors = [null];
  page = 0;
  clearSelection();
  return load();
}

function turn(step) {
  if (step > 0 && nextCursor) {
    cursors[page + 1] = nextCursor;
    page += 1;
  } else if (step < 0 && page > 0) {
    page -= 1;
  } else if (step === 0) {
    page = 0;
  } else {
    return;
  }
  load();
  announce(`Page ${page + 1}`);
}

function sortBy(button) {
  const key = button.dataset.order;
  descending = key === order ? !descending : false;
  order = key;
  for (const th of document.querySelectorAll("#cards th[aria-sort]")) th.setAttribute("aria-sort", "none");
  button.closest("th").setAttribute("aria-sort", descending ? "descending" : "ascending");
  cursors = [null];
  page = 0;
  load();
  announce(`Sorted by ${button.textContent}, ${descending ? "descending" : "ascending"}`);
}

function pick(event) {
  const id = Number(event.target.value);
  if (everyMatch) {
    if (event.target.checked) leftOut.delete(id); else leftOut.add(id);
  } else if (event.target.checked) {
    chosen.add(id);
  } else {
    chosen.delete(id);
  }
  showSelection();
}

function pickPage(event) {
  for (const box of document.querySelectorAll("#cards .pick")) {
    box.checked = event.target.checked;
    pick({ target: box });
  }
}

function clearSelection() {
  chosen = new Set();
  leftOut = new Set();
  everyMatch = false;
  for (const box of document.querySelectorAll("#cards .pick")) box.checked = false;
  showSelection();
}

function selectMatching() {
  chosen = new Set();
  leftOut = new Set();
  everyMatch = true;
  for (const box of document.querySelectorAll("#cards .pick")) box.checked = true;
  showSelection();
  announce(`All ${total} matching cards selected.`);
}

async function bulk(event) {
  event.preventDefault();
  const count = selectedCount();
  const action = $("bulk-action").value;
  if (!count) return announce("Select some cards first.");
  if (action === "delete" && !confirm(`Delete ${count} card(s)?`)) return;
  const arg = $("bulk-arg").value.trim();
  const body = { action };
  if (everyMatch) {
    body.search = { q: searched.q, deck: searched.deck || null };
    body.except_ids = [...leftOut];
  } else {
    body.card_ids = [...chosen];
  }
  if (action === "move") body.deck = arg;
  if (action === "tag" || action === "untag") body.tags = arg.split(/[\s,]+/).filter(Boolean);
  if (action === "flag") body.flag = Number($("bulk-flag").value);
  try {
    const result = await api("/cards/bulk", { method: "POST", body });
    const done = `${result.action}: ${result.count} card(s) done.`;
    announce(done);
    clearSelection();
    await load();
    // after the reload, which counts the results again: the outcome stays in view
    $("result-count").textContent = `${done} ${$("result-count").textContent}`;
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
    await load();
  } catch (error) {
    $("add-status").textContent = `Error: ${error.message}`;
  }
}

$("search").addEventListener("submit", search);
$("bulk").addEventListener("submit", bulk);
$("add-form").addEventListener("submit", addCard);
$("add-form").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) addCard(event);
});
$("add-front").addEventListener("input", schedulePreview);
$("add-back").addEventListener("input", schedulePreview);
$("select-all").addEventListener("change", pickPage);
$("select-matching").addEventListener("click", selectMatching);
$("select-none").addEventListener("click", clearSelection);
$("next-page").addEventListener("click", () => turn(1));
$("prev-page").addEventListener("click", () => turn(-1));
$("first-page").addEventListener("click", () => turn(0));
$("page-size").addEventListener("change", () => { cursors = [null]; page = 0; load(); });
for (const button of document.querySelectorAll("#cards button.sort")) {
  button.addEventListener("click", () => sortBy(button));
}
if (location.hash === "#add") $("add").open = true;
search();
