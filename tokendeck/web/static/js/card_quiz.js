// Card info additions: related cards, and cloze suggestions to accept or edit.
import { api, announce, esc } from "./api.js";

const $ = (id) => document.getElementById(id);
const cardId = $("card-info").dataset.cardId;
const REASONS = { mentions: "this card mentions it", mentioned_by: "mentions this card", similar: "similar" };

async function loadRelated() {
  const list = $("related");
  try {
    const related = await api(`/quiz/cards/${cardId}/related`);
    list.innerHTML = related.length
      ? related.map((r) => `<li><a href="/cards/${r.card_id}">${esc(r.term)}</a> <span class="muted">(${esc(REASONS[r.reason] || r.reason)})</span></li>`).join("")
      : `<li class="muted">No related cards found.</li>`;
  } catch (error) {
    list.innerHTML = `<li class="error">${esc(error.message)}</li>`;
  }
}

async function loadClozes() {
  const list = $("clozes");
  try {
    const found = await api(`/quiz/clozes?card_id=${cardId}`);
    list.innerHTML = found.length
      ? found.map((s, i) => `<li data-note="${s.note_id}">` +
        `<label for="cloze-${i}">Suggestion ${i + 1} (hides ${esc(s.gaps.join(", "))})</label>` +
        `<textarea id="cloze-${i}" rows="3">${esc(s.text)}</textarea>` +
        `<button type="button" class="accept" data-index="${i}">Accept suggestion ${i + 1}</button></li>`).join("")
      : `<li class="muted">No suggestions: cloze deletions are proposed from backs of 25 words or more.</li>`;
    list.querySelectorAll("button.accept").forEach((b) => b.addEventListener("click", () => accept(b)));
  } catch (error) {
    list.innerHTML = `<li class="error">${esc(error.message)}</li>`;
  }
}

async function accept(button) {
  const item = button.closest("li");
  const text = item.querySelector("textarea").value;
  try {
    const made = await api("/quiz/clozes", { method: "POST", body: { note_id: Number(item.dataset.note), text } });
    const message = `Added ${made.card_ids.length} cloze card${made.card_ids.length === 1 ? "" : "s"}.`;
    item.innerHTML = `<p>${esc(made.text)} <a href="/cards/${made.card_ids[0]}">${message}</a></p>`;
    $("cloze-status").textContent = message;
    announce(message);
    item.querySelector("a").focus();
  } catch (error) {
    $("cloze-status").textContent = error.message;
    announce(`Error: ${error.message}`);
  }
}

loadRelated();
loadClozes();
