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

/** HTML describing one mark: verdict, score, explanation, concepts found and missed. */
export function markHtml(mark, withExpected = true) {
  const concepts = (label, list) => list.length
    ? `<p><span class="concept-label">${label}:</span> ${list.map((c) => `<span class="concept">${esc(c)}</span>`).join(" ")}</p>` : "";
  return `<p class="verdict verdict-${mark.verdict}"><strong>${VERDICTS[mark.verdict]}</strong>` +
    ` · score ${Math.round(mark.score * 100)}% · ` +
    (mark.self_rate ? "grader not sure: rate it yourself" : `suggested ${RATING_NAMES[mark.rating]}`) + "</p>" +
    `<p>${esc(mark.explanation)}</p>` +
    (withExpected ? `<p><span class="concept-label">Expected:</span> ${esc(mark.expected)}</p>` : "") +
    concepts("Concepts found", mark.found) + concepts("Concepts missed", mark.missed);
}

export function verdictText(mark) {
  return VERDICTS[mark.verdict];
}
