// Import with a preview, then confirm; export downloads are plain links handled by the browser.
import { api, announce, esc } from "./api.js";

const $ = (id) => document.getElementById(id);

// The chosen file, or the pasted text as a file (it goes through the same detection).
function chosenFile() {
  const file = $("import-file").files[0];
  if (file) return file;
  const text = $("import-text").value;
  if (!text.trim()) throw new Error("Choose a file, or paste the text to import.");
  return new File([text], "pasted.txt", { type: "text/plain" });
}

function formData() {
  const data = new FormData();
  data.append("file", chosenFile());
  if ($("import-format").value) data.append("format", $("import-format").value);
  data.append("mode", $("import-mode").value);
  if ($("import-deck").value.trim()) data.append("deck", $("import-deck").value.trim());
  if ($("import-separator").value) data.append("separator", $("import-separator").value);
  if ($("import-row-separator").value) data.append("row_separator", $("import-row-separator").value);
  return data;
}

// A guessed format's alternatives, each read in full: the learner picks one.
function showChoices(result) {
  const choices = result.choices || [];
  $("preview-choices").hidden = choices.length < 2 && result.sure;
  $("choices-note").textContent = result.sure
    ? `Read as ${result.format} (the likeliest). Other ways to read it:`
    : `Not sure how this file is laid out (${Math.round(result.confidence * 100)}% sure it is ${result.format}): choose one before importing.`;
  document.querySelector("#choices-table tbody").innerHTML = choices.map((c, i) => `<tr>
    <td>${esc(c.description.split(":")[0])}</td>
    <td class="n">${c.error ? "–" : c.note_count}</td>
    <td>${c.error ? esc(c.error) : esc(c.front)}</td><td>${c.error ? "" : esc(c.back)}</td>
    <td>${c.error ? "" : `<button type="button" data-choice="${i}">Use this</button>`}</td></tr>`).join("");
  for (const button of document.querySelectorAll("#choices-table button[data-choice]")) {
    const choice = choices[Number(button.dataset.choice)];
    button.addEventListener("click", () => {
      $("import-format").value = choice.format;
      $("import-separator").value = choice.separator === "\t" ? "tab" : (choice.separator || "");
      preview();
    });
  }
  if (!result.sure && !$("import-format").value) {
    // Importing needs an answer: the guess is filled in, ready to be confirmed or changed.
    $("import-format").value = result.format;
    if (result.separator) $("import-separator").value = result.separator === "\t" ? "tab" : result.separator;
  }
}

async function preview(event) {
  if (event) event.preventDefault();
  $("import-status").textContent = "Reading the file…";
  try {
    const result = await api("/import/preview", { method: "POST", body: formData() });
    const target = $("import-deck").value.trim();
    $("preview-summary").textContent =
      `${result.note_count} note${result.note_count === 1 ? "" : "s"} (${result.format}) into ${target || result.decks.join(", ") || "Default"}.` +
      (result.note_count > result.notes.length ? ` Showing the first ${result.notes.length}.` : "");
    showChoices(result);
    $("preview-warnings").innerHTML = result.warnings.map((w) => `<li>${esc(w)}</li>`).join("");
    document.querySelector("#preview-table tbody").innerHTML = result.notes
      .map((n) => `<tr><td>${esc(target || n.deck)}</td><td>${esc(n.front)}</td><td>${esc(n.back)}</td><td>${esc(n.tags.join(" "))}</td></tr>`)
      .join("");
    $("import-preview").hidden = false;
    $("import-status").textContent = "";
    $("import-preview").focus();
    announce(`Preview ready: ${result.note_count} notes. Press Import to confirm.`);
  } catch (error) {
    $("import-preview").hidden = true;
    $("import-status").textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  }
}

async function confirmImport() {
  $("confirm-import").disabled = true;
  try {
    const { result } = await api("/import", { method: "POST", body: formData() });
    const types = Object.entries(result.note_types || {}).map(([name, what]) => `note type ${name}: ${what}`);
    const already = result.already ? `, ${result.already} already here` : "";
    const text = `Imported: ${result.added} added, ${result.updated} updated, ${result.skipped} skipped${already}.` +
      (types.length ? ` ${types.join("; ")}.` : "");
    $("import-status").textContent = text;
    $("import-preview").hidden = true;
    announce(text);
  } catch (error) {
    $("import-status").textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  } finally {
    $("confirm-import").disabled = false;
  }
}

$("import-form").addEventListener("submit", preview);
$("confirm-import").addEventListener("click", confirmImport);
$("cancel-import").addEventListener("click", () => {
  $("import-preview").hidden = true;
  $("import-file").focus();
});
