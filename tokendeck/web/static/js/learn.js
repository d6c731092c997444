// Learn mode: one question at a time in the format Learn mode picks, marked by the server,
// then recorded with the suggested rating or the learner's one-key override. Keyboard only.
import { api, announce, oneAtATime, showCard, typeset } from "./api.js";
import { FORMAT_NAMES, RATING_NAMES, answerInputs, markHtml, markInputs, readAnswer, verdictText } from "./quiz_widgets.js";

const $ = (id) => document.getElementById(id);
const root = $("learn");
const ID = "learn";

let deck = root.dataset.deck || "";
let format = "";
let current = null;   // LearnOut
let marks = [];
let phase = "idle";   // asking | revealed (flip) | marked | idle
let shownAt = 0;
let timer = null;
let done = 0;
let reloadWanted = false;  // options applied while a request was running

const guarded = oneAtATime("progress");

async function run(action) {
  await guarded(action);
  if (reloadWanted && !guarded.busy()) {
    reloadWanted = false;
    await run(() => loadNext());
  }
}

function query() {
  const params = new URLSearchParams();
  if (deck) params.set("deck", deck);
  if (format) params.set("format", format);
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Load the next question; `said` (what just happened) is announced together with it. */
async function loadNext(said = "") {
  current = await api(`/quiz/learn/next${query()}`);
  const q = current.queue;
  $("progress").textContent = `${done} done · ${q.new + q.learning + q.review} left (new ${q.new}, learning ${q.learning}, review ${q.review})`;
  if (!current.question) return current.notice ? notice(current.notice, said) : finish(said);
  show(current.question, said);
}

/** No card left fits the chosen format: say so (never another format in its place). */
function notice(text, said = "") {
  phase = "idle";
  $("question").hidden = true;
  $("result").hidden = true;
  $("summary-title").textContent = "No question in this format";
  $("summary-text").textContent = text;
  $("summary").hidden = false;
  $("summary").focus();
  announce(`${said} ${text}`.trim());
}

function finish(said = "") {
  phase = "idle";
  $("summary-title").textContent = "Done for now";
  $("question").hidden = true;
  $("result").hidden = true;
  $("summary-text").textContent = `You answered ${done} question${done === 1 ? "" : "s"} in this session.`;
  $("summary").hidden = false;
  $("summary").focus();
  announce(`${said} Session finished. ${done} questions answered.`.trim());
}

function show(question, said = "") {
  phase = "asking";
  marks = [];
  $("summary").hidden = true;
  $("result").hidden = true;
  $("question").hidden = false;
  $("question-format").textContent = FORMAT_NAMES[question.format] || question.format;
  const card = current && current.card;
  $("prompt").hidden = false;
  if (question.format === "flip" && card && card.format === "html") {
    showCard($("prompt"), card.front_html, card);  // an Anki card asks as Anki shows it
  } else {
    $("prompt").classList.remove("td-card");
    $("prompt").textContent = question.prompt;
    typeset($("prompt"), 20, card ? card.macros : null);
  }
  $("statement").hidden = !question.statement || question.prompt.includes(question.statement);
  $("statement").textContent = question.statement;
  $("flip-back").hidden = true;
  const form = $("answer-form");
  const button = question.input === "rating"
    ? `<button type="submit" class="primary">Show answer <kbd>Space</kbd></button>`
    : `<button type="submit" class="primary">Check <kbd>Enter</kbd></button>`;
  const dontKnow = question.input === "text" ? ` <button type="button" id="dont-know">I don't know</button>` : "";
  form.innerHTML = `${answerInputs(question, ID)}<p class="row">${button}${dontKnow}</p>`;
  if (dontKnow) $("dont-know").addEventListener("click", () => { $(`${ID}-text`).value = ""; submit(); });
  startTimer(question.time_limit_s);
  shownAt = performance.now();
  const first = form.querySelector("input, select, button");
  if (first) first.focus();
  // One message: two announcements in a row would cut each other off.
  announce(`${said} ${FORMAT_NAMES[question.format]}: ${question.prompt}`.trim());
}

function startTimer(limit) {
  clearInterval(timer);
  $("timer").hidden = !limit;
  if (!limit) return;
  const tick = () => {
    const left = Math.max(0, Math.ceil(limit - (performance.now() - shownAt) / 1000));
    $("timer").textContent = `${left} s left`;
    if (left === 0) clearInterval(timer);
  };
  tick();
  timer = setInterval(tick, 500);
}

function elapsed() {
  return (performance.now() - shownAt) / 1000;
}

function submit() {
  const question = current && current.question;
  if (!question || phase !== "asking") return;
  if (question.input === "rating") return revealFlip();
  const answer = readAnswer(question, $("answer-form"), ID);
  if (answer.choice === null || answer.truth === null) {
    announce("Pick an answer first.");
    return;
  }
  return run(async () => {
    clearInterval(timer);
    const graded = await api("/quiz/answers", {
      method: "POST", body: { token: question.token, elapsed_s: elapsed(), ...answer },
    });
    marks = graded.marks;
    showMarks();
  });
}

function showMarks() {
  phase = "marked";
  const right = marks.filter((m) => m.correct).length;
  const heading = marks.length === 1 ? verdictText(marks[0]) : `${right} of ${marks.length} matched`;
  $("verdict").textContent = heading;
  const score = marks.reduce((sum, m) => sum + m.score, 0) / marks.length;
  $("score").textContent = marks.length === 1 ? "" : `${Math.round(score * 100)}% of the pairs`;
  $("marks").innerHTML = marks.map((m) => `<div class="mark">${markHtml(m)}</div>`).join("");
  markInputs(current.question, marks, $("answer-form"), ID);
  typeset($("marks"));
  const unsure = mustSelfRate();
  const suggested = marks.length === 1 && !unsure ? marks[0].rating : null;
  $("suggested").textContent = unsure ? "none, the grader is not sure: rate yourself"
    : suggested ? RATING_NAMES[suggested] : "each card's own";
  buildRatingButtons(suggested, (r) => record(r));
  $("result").hidden = false;
  $("result").focus();
  announce(unsure
    ? `${heading}. Score ${Math.round(score * 100)} percent. The grader is not sure: rate yourself with 1 to 4.`
    : `${heading}. Score ${Math.round(score * 100)} percent. Suggested rating ${suggested ? RATING_NAMES[suggested] : "per card"}. Enter accepts, 1 to 4 override.`);
}

/** One typed answer the grader is unsure of: no suggestion, the learner rates. */
function mustSelfRate() {
  return marks.length === 1 && marks[0].self_rate;
}

function buildRatingButtons(suggested, onPick) {
  const group = $("override");
  group.querySelectorAll("button").forEach((b) => b.remove());
  for (const rating of [1, 2, 3, 4]) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = `rate rate-${RATING_NAMES[rating].toLowerCase()}${rating === suggested ? " suggested" : ""}`;
    button.setAttribute("aria-keyshortcuts", String(rating));
    button.innerHTML = `<span class="name">${RATING_NAMES[rating]}</span>` +
      (rating === suggested ? `<span class="interval">suggested</span>` : "") + `<kbd aria-hidden="true">${rating}</kbd>`;
    button.addEventListener("click", () => onPick(rating));
    group.append(button);
  }
}

function revealFlip() {
  phase = "revealed";
  showCard($("flip-back"), current.card.back_html, current.card);
  $("flip-back").hidden = false;
  if (current.card.whole_answer) $("prompt").hidden = true;
  $("answer-form").innerHTML = "";
  $("verdict").textContent = "How well did you remember?";
  $("score").textContent = "";
  $("marks").innerHTML = "";
  $("suggested").textContent = "none, rate yourself";
  buildRatingButtons(null, (r) => selfRate(r));
  $("result").hidden = false;
  $("flip-back").focus();
  announce("Answer shown. Rate with 1 to 4.");
}

function selfRate(rating) {
  return run(async () => {
    const question = current.question;
    await api("/quiz/answers", { method: "POST", body: { token: question.token, rating } });
    await saveRecord(question.token, {}, rating);
  });
}

function record(override) {
  if (phase !== "marked") return;
  if (!override && mustSelfRate()) {
    announce("The grader is not sure: rate yourself with 1 to 4.");
    return;
  }
  return run(async () => {
    const overrides = {};
    if (override) for (const m of marks) overrides[m.card_id] = override;
    await saveRecord(current.question.token, overrides, override || marks[0].rating);
  });
}

async function saveRecord(token, overrides, rating) {
  const result = await api("/quiz/records", {
    method: "POST", body: { token, overrides, duration_ms: Math.round(elapsed() * 1000) },
  });
  done += 1;
  const overridden = result.recorded.some((r) => r.overridden);
  await loadNext(`Recorded ${RATING_NAMES[rating]}${overridden ? " (your override)" : ""}.`);
}

function pickOption(index) {
  const radios = $("answer-form").querySelectorAll(`input[name="${ID}-choice"]`);
  if (index >= radios.length) return;
  radios[index].checked = true;
  submit();
}

function pickTruth(value) {
  const radio = $("answer-form").querySelector(`input[name="${ID}-truth"][value="${value}"]`);
  if (!radio) return;
  radio.checked = true;
  submit();
}

function onKey(event) {
  if (event.ctrlKey || event.metaKey || event.altKey || guarded.busy()) return;
  const typing = event.target.closest("input[type=text], input:not([type]), textarea, select");
  const onButton = event.target.closest("button, a");
  if (phase === "marked") {
    if (event.key === "Enter" && !onButton) { event.preventDefault(); record(null); }
    else if (["1", "2", "3", "4"].includes(event.key)) { event.preventDefault(); record(Number(event.key)); }
  } else if (phase === "revealed" && ["1", "2", "3", "4"].includes(event.key)) {
    event.preventDefault();
    selfRate(Number(event.key));
  } else if (phase === "asking" && !typing && current) {
    const input = current.question.input;
    if (input === "choice" && /^[1-9]$/.test(event.key)) { event.preventDefault(); pickOption(Number(event.key) - 1); }
    else if (input === "truth" && (event.key === "t" || event.key === "f")) { event.preventDefault(); pickTruth(event.key === "t"); }
    else if (input === "rating" && event.key === " " && !onButton) { event.preventDefault(); submit(); }
  }
}

$("answer-form").addEventListener("submit", (event) => { event.preventDefault(); submit(); });
$("learn-options").addEventListener("submit", (event) => {
  event.preventDefault();
  deck = $("deck-select").value;
  format = $("format-select").value;
  if (guarded.busy()) reloadWanted = true;
  else run(() => loadNext());
});
document.addEventListener("keydown", onKey);
if (deck) $("deck-select").value = deck;
run(() => loadNext());
