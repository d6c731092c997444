// The study page: one card at a time, no page reloads, fully usable by keyboard.
// A session is a deck (its subdecks too) and a kind ("study" or "custom"): every request
// names both, so the server only shows and changes this deck's cards.
import { api, announce, esc, oneAtATime, showCard } from "./api.js";
import { fieldEditor, readFields } from "./fields.js";

const $ = (id) => document.getElementById(id);
const root = $("study");
const deck = root.dataset.deck || null;
const session = root.dataset.session || "study";
const NAMES = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };
const FLAGS = ["no flag", "red", "orange", "green", "blue", "pink", "turquoise", "purple"];

let current = null;   // StudyOut from the API
let revealed = false;
let shownAt = 0;
let done = 0;
let flagging = false; // "f" was pressed: the next digit picks a flag

function where() {
  return { deck, session };
}

function query() {
  const params = new URLSearchParams({ session });
  if (deck) params.set("deck", deck);
  return `?${params}`;
}

function left(queue) {
  return queue.new + queue.learning + queue.review;
}

function showProgress() {
  const q = current.queue;
  $("count-new").textContent = q.new;
  $("count-learning").textContent = q.learning;
  $("count-review").textContent = q.review;
  $("progress").textContent = `${done} done · ${left(q)} left`;
  const bar = $("progress-bar");
  bar.max = Math.max(1, done + left(q));
  bar.value = done;
}

function showFlag(card) {
  const flag = card.flag || 0;
  $("card").dataset.flag = String(flag);
  $("flag-note").hidden = flag === 0;
  $("flag-note").textContent = flag ? `Flagged ${FLAGS[flag]}` : "";
  for (const button of document.querySelectorAll(".flag-button")) {
    button.setAttribute("aria-pressed", String(Number(button.dataset.flag) === flag));
  }
}

function show(next) {
  current = next;
  revealed = false;
  flagging = false;
  showProgress();
  if (!next.card) return finish();
  $("card").hidden = false;
  $("controls").hidden = false;
  $("summary").hidden = true;
  $("more").open = false;
  showFlag(next.card);
  showCard($("question"), next.card.front_html, next.card);
  $("question").hidden = false;
  $("answer-section").hidden = true;
  $("divider").hidden = true;
  $("ratings").hidden = true;
  $("reveal").hidden = false;
  $("card").scrollTop = 0;
  $("reveal").focus({ preventScroll: true });
  shownAt = performance.now();
}

function finish() {
  $("card").hidden = true;
  $("controls").hidden = true;
  const when = current.next_due ? ` The next card is due ${new Date(current.next_due).toLocaleString()}.` : "";
  $("summary-text").textContent = `You studied ${done} card${done === 1 ? "" : "s"} in this session.${when}`;
  $("custom-deck").textContent = deck || "all decks";
  $("custom-form").hidden = !deck;  // custom study belongs to a deck
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
  // The answer scrolls inside the card; the rating bar stays on screen below it.
  $("answer").focus({ preventScroll: true });
  $("card").scrollTop = $("divider").offsetTop - $("card").offsetTop;
  announce("Answer shown. Rate with 1 to 4.");
}

const run = oneAtATime("status");

function rate(rating) {
  if (!revealed) return;
  const button = current.buttons.find((b) => b.rating === rating);
  return run(async () => {
    const result = await api("/study/answer", {
      method: "POST",
      body: { card_id: current.card.id, rating, duration_ms: Math.round(performance.now() - shownAt), ...where() },
    });
    done += 1;
    $("status").textContent = "";
    announce(`${NAMES[rating]}. Next review in ${button ? button.interval : "later"}.${result.leech ? " Card suspended as a leech." : ""}`);
    show(result.next);
  });
}

function act(action, extra = {}, said = "") {
  if (!current || !current.card) return;
  return run(async () => {
    const result = await api("/study/action", {
      method: "POST", body: { card_id: current.card.id, action, ...extra, ...where() },
    });
    $("status").textContent = said;
    announce(said);
    const same = result.next.card && result.next.card.id === current.card.id;
    const wasRevealed = revealed;
    show(result.next);
    if (same && wasRevealed) reveal();  // a flag keeps the card on screen as it was
  });
}

function flag(number) {
  act("flag", { flag: number }, number ? `Flagged ${FLAGS[number]}.` : "Flag removed.");
}

function remove() {
  if (!current || !current.card) return;
  if (!confirm("Delete this card? Its note goes too if it has no other card.")) return;
  act("delete", {}, "Card deleted.");
}

function undo() {
  return run(async () => {
    await api("/study/undo", { method: "POST" });
    done = Math.max(0, done - 1);
    show(await api(`/study/next${query()}`));
    $("status").textContent = "Last answer undone.";
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
  (revealed ? $("answer") : $("reveal")).focus({ preventScroll: true });
}

async function saveEdit(event) {
  if (event) event.preventDefault();
  await run(async () => {
    const anki = current.card.note.format === "html";
    const body = anki ? { fields: readFields($("edit-fields")) } : { front: $("edit-front").value, back: $("edit-back").value };
    // The note as this page loaded it: a change made since elsewhere is not overwritten (409).
    body.modified_at = current.card.note.modified_at;
    await api(`/notes/${current.card.note_id}`, { method: "PATCH", body });
    current.card = await api(`/cards/${current.card.id}`);
    showCard($("question"), current.card.front_html, current.card);
    if (revealed) showAnswer();
    closeEditor();  // only once saved: on an error (say, changed elsewhere) the text stays
    announce("Card saved.");
  });
}

async function customStudy(event) {
  event.preventDefault();
  const kind = document.querySelector('#custom-form input[name="kind"]:checked').value;
  const body = {
    deck, kind,
    amount: Number($("custom-amount").value) || null,
    tags: $("custom-tags").value.split(/[\s,]+/).filter(Boolean),
    state: $("custom-state").value,
  };
  try {
    const made = await api("/study/custom", { method: "POST", body });
    $("custom-status").textContent = made.description;
    announce(made.description);
    if (made.session === "custom") {
      location.href = `/study?deck=${encodeURIComponent(deck)}&session=custom`;
    } else if (made.cards > 0) {
      run(async () => show(await api(`/study/next${query()}`)));
    }
  } catch (error) {
    $("custom-status").textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  }
}

function showCustomFields() {
  const kind = document.querySelector('#custom-form input[name="kind"]:checked').value;
  for (const field of document.querySelectorAll("#custom-form .tag-only")) field.hidden = kind !== "tag";
  const label = { new: "New cards", reviews: "Reviews", ahead: "Days ahead", forgotten: "Days back", tag: "Cards at most" }[kind];
  document.querySelector('label[for="custom-amount"]').textContent = label;
  $("custom-amount").value = { new: 10, reviews: 50, ahead: 1, forgotten: 1, tag: 100 }[kind];
}

function onEditorKey(event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    saveEdit();
  } else if (event.key === "Escape") {
    event.preventDefault();
    closeEditor();
  }
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const typing = event.target.closest("input, textarea, select, [contenteditable]");
  if (typing || !$("edit-form").hidden) return;
  if (event.key === "u") {
    event.preventDefault();
    undo();
    return;
  }
  if (!current || !current.card) return;
  if (flagging && /^[0-7]$/.test(event.key)) {
    event.preventDefault();
    flagging = false;
    flag(Number(event.key));
    return;
  }
  flagging = false;
  const onButton = event.target.closest("button, a, summary");
  if ((event.key === " " || event.key === "Enter") && !revealed && !(onButton && event.target !== $("reveal"))) {
    event.preventDefault();
    reveal();
  } else if (revealed && ["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    rate(Number(event.key));
  } else if (event.key === "e") {
    event.preventDefault();
    openEditor();
  } else if (event.key === "s") {
    event.preventDefault();
    act("suspend", {}, "Card suspended: unsuspend it on the Browse page.");
  } else if (event.key === "b") {
    event.preventDefault();
    act("bury", {}, "Card buried until tomorrow.");
  } else if (event.key === "f") {
    event.preventDefault();
    flagging = true;
    announce("Flag: press 1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple, 0 none.");
  }
}

$("reveal").addEventListener("click", reveal);
$("undo").addEventListener("click", undo);
$("edit").addEventListener("click", openEditor);
$("suspend").addEventListener("click", () => act("suspend", {}, "Card suspended: unsuspend it on the Browse page."));
$("bury").addEventListener("click", () => act("bury", {}, "Card buried until tomorrow."));
$("delete").addEventListener("click", remove);
for (const button of document.querySelectorAll(".flag-button")) {
  button.addEventListener("click", () => flag(Number(button.dataset.flag)));
}
$("edit-cancel").addEventListener("click", closeEditor);
$("edit-form").addEventListener("submit", saveEdit);
// Ctrl+Enter saves from any of the editor's boxes (front and back, or an Anki note's fields).
$("edit-form").addEventListener("keydown", onEditorKey);
$("custom-form").addEventListener("submit", customStudy);
for (const radio of document.querySelectorAll('#custom-form input[name="kind"]')) {
  radio.addEventListener("change", showCustomFields);
}
document.addEventListener("keydown", onKey);
showCustomFields();
run(async () => show(await api(`/study/next${query()}`)));
