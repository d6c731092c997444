// Shared pieces of the quiz pages: answer inputs for each question format, and marks.
import { esc } from "./api.js";

export const FORMAT_NAMES = {
  flip: "Flip", typed: "Typed answer", reverse: "Reverse: name the term",
  multiple_choice: "Multiple choice", true_false: "True or false", matching: "Matching round",
  cloze: "Fill the gap", discrimination: "Tell them apart",
};
export const RATING_NAMES = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };
export const LETTERS = "ABCDEFGHIJ";
const VERDICTS = { correct: "Correct", partly_correct: "Partly correct", incorrect: "Incorrect" };

/** HTML of the answer inputs for a question; `id` makes the element ids unique on the page. */
export function answerInputs(question, id) {
  if (question.input === "text") {
    return `<label for="${id}-text">Your answer</label>` +
      `<input id="${id}-text" name="text" autocomplete="off" spellcheck="false">`;
  }
  if (question.input === "choice") {
    return `<fieldset><legend>Choose the answer</legend>${question.options.map((o) =>
      `<label class="option"><input type="radio" name="${id}-choice" value="${o.index}"> ` +
      `<span class="letter">${LETTERS[o.index]}.</span> ${esc(o.text)}</label>`).join("")}</fieldset>`;
  }
  if (question.input === "truth") {
    return `<fieldset><legend>True or false?</legend>` +
      `<label class="option"><input type="radio" name="${id}-truth" value="true"> True</label>` +
      `<label class="option"><input type="radio" name="${id}-truth" value="false"> False</label></fieldset>`;
  }
  if (question.input === "pairs") {
    const defs = question.options.map((o) => `<li><span class="letter">${LETTERS[o.index]}.</span> ${esc(o.text)}</li>`).join("");
    const picks = question.terms.map((t, i) =>
      `<p class="pair"><label for="${id}-pair-${i}">${esc(t.text)}</label>` +
      `<select id="${id}-pair-${i}" data-term="${t.card_id}"><option value="">–</option>` +
      question.options.map((o) => `<option value="${o.index}">${LETTERS[o.index]}</option>`).join("") +
      `</select></p>`).join("");
    return `<p class="muted">Definitions:</p><ul class="definitions">${defs}</ul>` +
      `<div class="pairs">${picks}</div>`;
  }
  return "";
}

/** The API answer body from the inputs inside `root` (null fields when nothing was given). */
export function readAnswer(question, root, id) {
  if (question.input === "text") return { text: root.querySelector(`#${id}-text`).value };
  if (question.input === "choice") {
    const picked = root.querySelector(`input[name="${id}-choice"]:checked`);
    return { choice: picked ? Number(picked.value) : null };
  }
  if (question.input === "truth") {
    const picked = root.querySelector(`input[name="${id}-truth"]:checked`);
    return { truth: picked ? picked.value === "true" : null };
  }
  if (question.input === "pairs") {
    const pairs = {};
    for (const select of root.querySelectorAll("select[data-term]")) {
      if (select.value !== "") pairs[select.dataset.term] = Number(select.value);
    }
    return { pairs };
  }
  return {};
}

/** HTML describing one mark: verdict, what was given, the right answer, why, concepts. */
export function markHtml(mark, withExpected = true) {
  const concepts = (label, list) => list.length
    ? `<p><span class="concept-label">${label}:</span> ${list.map((c) => `<span class="concept">${esc(c)}</span>`).join(" ")}</p>` : "";
  const typed = ["typed", "reverse", "cloze"].includes(mark.format);
  const given = typed
    ? `<p><span class="concept-label">Your answer:</span> ${mark.response ? esc(mark.response) : "<em>none</em>"}</p>` : "";
  const score = typed ? ` · score ${Math.round(mark.score * 100)}%` : "";
  const expected = withExpected && !mark.correct
    ? `<p class="right-answer"><span class="concept-label">Correct answer:</span> ${esc(mark.expected)}</p>` : "";
  return `<p class="verdict verdict-${mark.verdict}"><strong>${VERDICTS[mark.verdict]}</strong>` +
    `${score} · ` +
    (mark.self_rate ? "grader not sure: rate it yourself" : `suggested ${RATING_NAMES[mark.rating]}`) + "</p>" +
    given + expected +
    (mark.explanation ? `<p class="why"><span class="concept-label">Why:</span> ${esc(mark.explanation)}</p>` : "") +
    concepts("Concepts found", mark.found) + concepts("Concepts missed", mark.missed);
}

/**
 * Mark the answer inputs as Quizlet does: the option picked is right (green) or wrong
 * (red), and the right one is shown; the inputs are then locked. `marks` are the
 * question's marks (one per card; a matching round has one per term).
 */
export function markInputs(question, marks, root, id) {
  for (const input of root.querySelectorAll("input, select")) input.disabled = true;
  if (question.input === "choice") {
    const mark = marks[0];
    // what the learner picked is the checked option (an unanswered test question has none)
    root.querySelectorAll(`input[name="${id}-choice"]`).forEach((radio, index) => {
      const label = radio.closest("label");
      const right = index === mark.answer_index;
      if (radio.checked) tag(label, right ? "is-right" : "is-wrong", right ? "your answer, right" : "your answer, wrong");
      else if (right) tag(label, "is-right", "correct answer");
    });
  } else if (question.input === "truth") {
    const mark = marks[0];
    const truth = mark.correct === (mark.response === "true");
    root.querySelectorAll(`input[name="${id}-truth"]`).forEach((radio) => {
      const label = radio.closest("label");
      const value = radio.value === "true";
      if (value === truth) tag(label, "is-right", "correct answer");
      else if (radio.checked) tag(label, "is-wrong", "your answer, wrong");
    });
  } else if (question.input === "pairs") {
    for (const select of root.querySelectorAll("select[data-term]")) {
      const mark = marks.find((m) => String(m.card_id) === select.dataset.term);
      if (!mark) continue;
      const holder = select.closest(".pair");
      const letter = LETTERS[mark.answer_index] || "?";
      tag(holder, mark.correct ? "is-right" : "is-wrong", mark.correct ? "right" : `wrong, it is ${letter}`);
    }
  } else if (question.input === "text") {
    const mark = marks[0];
    const input = root.querySelector(`#${id}-text`);
    if (input) tag(input.closest("form, .inputs") || input.parentElement, mark.correct ? "is-right" : mark.verdict === "partly_correct" ? "is-partly" : "is-wrong", "");
  }
}

function tag(element, cls, note) {
  if (!element) return;
  element.classList.add(cls);
  if (note) {
    const span = document.createElement("span");
    span.className = "answer-note";
    span.textContent = ` (${note})`;
    element.append(span);
  }
}

export function verdictText(mark) {
  return VERDICTS[mark.verdict];
}
