// The study page: one card at a time, no page reloads, fully usable by keyboard.
import { api, announce, esc, oneAtATime, showHtml } from "./api.js";

const $ = (id) => document.getElementById(id);
const root = $("study");
const deck = root.dataset.deck || null;
const NAMES = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };

let current = null;   // StudyOut from the API
let revealed = false;
let shownAt = 0;
let done = 0;

function query() {
  return deck ? `?deck=${encodeURIComponent(deck)}` : "";
}

function left(queue) {
  return queue.new + queue.learning + queue.review;
}

function showProgress() {
  const q = current.queue;
  $("progress").textContent =
    `${done} done · ${left(q)} left (new ${q.new}, learning ${q.learning}, review ${q.review})`;
  const bar = $("progress-bar");
  bar.max = Math.max(1, done + left(q));
  bar.value = done;
}

function show(next) {
  current = next;
  revealed = false;
  showProgress();
  if (!next.card) return finish();
  $("card").hidden = false;
  $("controls").hidden = false;
  $("summary").hidden = true;
  showHtml($("question"), next.card.front_html);
  $("answer-section").hidden = true;
  $("divider").hidden = true;
  $("ratings").hidden = true;
  $("reveal").hidden = false;
  $("reveal").focus();
  shownAt = performance.now();
}

function finish() {
  $("card").hidden = true;
  $("controls").hidden = true;
  const when = current.next_due ? ` The next card is due ${new Date(current.next_due).toLocaleString()}.` : "";
  $("summary-text").textContent = `You studied ${done} card${done === 1 ? "" : "s"} in this session.${when}`;
  $("summary").hidden = false;
  $("summary").focus();
  announce(`Session finished. ${done} cards studied.`);
}

function buildButtons() {
  const group = $("ratings");
  group.replaceChildren();
  for (const b of current.buttons) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `rate rate-${b.name}`;
    button.dataset.rating = b.rating;
    button.setAttribute("aria-keyshortcuts", String(b.rating));
    // The visible text is the accessible name ("Good, next review in 3d"), so voice control works.
    button.innerHTML = `<span class="name">${NAMES[b.rating]}</span>` +
      `<span class="interval"><span class="visually-hidden">, next review in </span>${esc(b.interval)}</span>` +
      `<kbd aria-hidden="true">${b.rating}</kbd>`;
    button.addEventListener("click", () => rate(b.rating));
    group.append(button);
  }
}

function reveal() {
  if (!current || !current.card || revealed) return;
  revealed = true;
  showHtml($("answer"), current.card.back_html);
  $("answer-section").hidden = false;
  $("divider").hidden = false;
  $("reveal").hidden = true;
  buildButtons();
  $("ratings").hidden = false;
  // Focus goes to the answer so a screen reader reads it out straight away.
  $("answer").focus();
  announce("Answer shown. Rate with 1 to 4.");
}

const run = oneAtATime("progress");

function rate(rating) {
  if (!revealed) return;
  const button = current.buttons.find((b) => b.rating === rating);
  return run(async () => {
    const result = await api("/study/answer", {
      method: "POST",
      body: { card_id: current.card.id, rating, duration_ms: Math.round(performance.now() - shownAt), deck },
    });
    done += 1;
    announce(`${NAMES[rating]}. Next review in ${button ? button.interval : "later"}.${result.leech ? " Card suspended as a leech." : ""}`);
    show(result.next);
  });
}

function undo() {
  return run(async () => {
    await api("/study/undo", { method: "POST" });
    done = Math.max(0, done - 1);
    show(await api(`/study/next${query()}`));
    announce("Last answer undone.");
  });
}

function openEditor() {
  if (!current || !current.card) return;
  $("edit-front").value = current.card.note.front;
  $("edit-back").value = current.card.note.back;
  $("edit-form").hidden = false;
  $("edit-front").focus();
}

function closeEditor() {
  $("edit-form").hidden = true;
  (revealed ? $("answer") : $("reveal")).focus();
}

async function saveEdit(event) {
  event.preventDefault();
  await run(async () => {
    await api(`/notes/${current.card.note_id}`, {
      method: "PATCH",
      body: { front: $("edit-front").value, back: $("edit-back").value },
    });
    current.card = await api(`/cards/${current.card.id}`);
    showHtml($("question"), current.card.front_html);
    if (revealed) showHtml($("answer"), current.card.back_html);
    announce("Card saved.");
  });
  closeEditor();
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (typing || !$("edit-form").hidden) {
    if (event.key === "Escape") closeEditor();
    return;
  }
  const onButton = event.target.closest("button, a");
  if ((event.key === " " || event.key === "Enter") && !revealed && !(onButton && event.target !== $("reveal"))) {
    event.preventDefault();
    reveal();
  } else if (revealed && ["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    rate(Number(event.key));
  } else if (event.key === "u") {
    event.preventDefault();
    undo();
  } else if (event.key === "e") {
    event.preventDefault();
    openEditor();
  }
}

$("reveal").addEventListener("click", reveal);
$("undo").addEventListener("click", undo);
$("edit").addEventListener("click", openEditor);
$("edit-cancel").addEventListener("click", closeEditor);
$("edit-form").addEventListener("submit", saveEdit);
document.addEventListener("keydown", onKey);
run(async () => show(await api(`/study/next${query()}`)));
