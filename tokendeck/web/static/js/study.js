// The study page: one card at a time, no page reloads, fully usable by keyboard.
import { api, announce, esc, oneAtATime, showCard } from "./api.js";
import { fieldEditor, readFields } from "./fields.js";

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
  showCard($("question"), next.card.front_html, next.card);
  $("question").hidden = false;
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

// An Anki card's answer side repeats its question ({{FrontSide}}): it replaces the question,
// as in Anki. A Markdown card's back goes below its front.
function showAnswer() {
  const card = current.card;
  showCard($("answer"), card.back_html, card);
  $("question").hidden = card.whole_answer;
  $("divider").hidden = card.whole_answer;
}

function reveal() {
  if (!current || !current.card || revealed) return;
  revealed = true;
  showAnswer();
  $("answer-section").hidden = false;
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
  const note = current.card.note;
  const anki = note.format === "html";
  $("edit-plain").hidden = anki;
  fieldEditor($("edit-fields"), anki ? note.fields : null);
  $("edit-front").value = note.front;
  $("edit-back").value = note.back;
  $("edit-form").hidden = false;
  (anki ? $("edit-fields").querySelector("textarea") : $("edit-front")).focus();
}

function closeEditor() {
  $("edit-form").hidden = true;
  (revealed ? $("answer") : $("reveal")).focus();
}

async function saveEdit(event) {
  event.preventDefault();
  await run(async () => {
    const anki = current.card.note.format === "html";
    const body = anki ? { fields: readFields($("edit-fields")) } : { front: $("edit-front").value, back: $("edit-back").value };
    await api(`/notes/${current.card.note_id}`, { method: "PATCH", body });
    current.card = await api(`/cards/${current.card.id}`);
    showCard($("question"), current.card.front_html, current.card);
    if (revealed) showAnswer();
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
