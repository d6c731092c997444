// Import with a preview, then confirm; export downloads are plain links handled by the browser.
import { api, announce, esc } from "./api.js";

const $ = (id) => document.getElementById(id);

function formData() {
  const data = new FormData();
  data.append("file", $("import-file").files[0]);
  if ($("import-format").value) data.append("format", $("import-format").value);
  data.append("mode", $("import-mode").value);
  if ($("import-deck").value.trim()) data.append("deck", $("import-deck").value.trim());
  return data;
}

async function preview(event) {
  event.preventDefault();
  $("import-status").textContent = "Reading the file…";
  try {
    const result = await api("/import/preview", { method: "POST", body: formData() });
    const target = $("import-deck").value.trim();
    $("preview-summary").textContent =
      `${result.note_count} note${result.note_count === 1 ? "" : "s"} (${result.format}) into ${target || result.decks.join(", ") || "Default"}.` +
      (result.note_count > result.notes.length ? ` Showing the first ${result.notes.length}.` : "");
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
    const text = `Imported: ${result.added} added, ${result.updated} updated, ${result.skipped} skipped.`;
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
