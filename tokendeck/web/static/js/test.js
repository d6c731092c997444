// Test mode: build a practice test of N questions, answer them all, score at the end; printable.
import { api, announce, esc, oneAtATime, typeset } from "./api.js";
import { FORMAT_NAMES, answerInputs, markHtml, markInputs, readAnswer } from "./quiz_widgets.js";

const $ = (id) => document.getElementById(id);
let test = null;
const run = oneAtATime("test-status");

function chosenFormats() {
  return [...document.querySelectorAll('input[name="formats"]:checked')].map((box) => box.value);
}

async function build(event) {
  event.preventDefault();
  await run(async () => {
    const body = { deck: $("deck-select").value, count: Number($("test-count").value) || 10, formats: chosenFormats() };
    test = await api("/quiz/tests", { method: "POST", body });
    $("test-title").textContent = `Practice test: ${test.deck} (${test.questions.length} questions)`;
    $("test-questions").innerHTML = test.questions.map(questionHtml).join("");
    typeset($("test-questions"));
    $("test-result").hidden = true;
    $("test-form").hidden = false;
    $("test-status").textContent = "";
    $("test-title").focus();
    announce(`Test ready: ${test.questions.length} questions.`);
  });
}

function questionHtml(question, number) {
  const id = `q${number}`;
  const statement = question.statement && !question.prompt.includes(question.statement)
    ? `<p class="statement">${esc(question.statement)}</p>` : "";
  return `<li class="test-question" id="${id}" aria-labelledby="${id}-prompt">` +
    `<p class="muted format">${FORMAT_NAMES[question.format]}</p>` +
    `<p class="prompt" id="${id}-prompt">${esc(question.prompt)}</p>${statement}` +
    `<div class="inputs">${answerInputs(question, id)}</div></li>`;
}

async function score(event) {
  event.preventDefault();
  await run(async () => {
    const responses = {};
    test.questions.forEach((question, number) => {
      const answer = readAnswer(question, $(`q${number}`), `q${number}`);
      if (answer.choice === null || answer.truth === null) return;  // unanswered: counts as wrong
      responses[number] = answer;
    });
    const result = await api(`/quiz/tests/${encodeURIComponent(test.token)}/score`, {
      method: "POST", body: { responses, record: $("test-record").checked },
    });
    showScore(result);
  });
}

function showScore(result) {
  $("test-score").textContent = `Score: ${result.summary}`;
  $("test-marks").innerHTML = result.marks.map((m) => `<li>${markHtml(m)}</li>`).join("");
  typeset($("test-marks"));
  // Marks come in question order (a matching round has one per term): mark each question.
  let at = 0;
  test.questions.forEach((question, number) => {
    const count = question.terms.length || 1;
    markInputs(question, result.marks.slice(at, at + count), $(`q${number}`), `q${number}`);
    at += count;
  });
  $("test-result").hidden = false;
  $("test-form").querySelectorAll("input, select, button[type=submit]").forEach((el) => { el.disabled = true; });
  $("test-result").focus();
  const unsure = result.marks.filter((m) => m.self_rate).length;
  const left = unsure && $("test-record").checked ? ` ${unsure} the grader was not sure of were not recorded: rate them in Learn.` : "";
  const recorded = (result.recorded ? ` ${result.recorded} answers recorded in your schedule.` : "") + left;
  announce(`Test scored: ${result.summary}.${recorded}`);
}

$("test-options").addEventListener("submit", build);
$("test-form").addEventListener("submit", score);
$("print").addEventListener("click", () => window.print());
