// The Decks page: create, rename, delete (after typing the name) and each deck's options.
import { api, announce } from "./api.js";

const $ = (id) => document.getElementById(id);
const UNITS = { s: 1, m: 60, h: 3600, d: 86400 };
let target = null;  // { id, name } of the deck a dialog is about

function parseSteps(text) {
  return text.split(/[\s,]+/).filter(Boolean).map((token) => {
    const unit = UNITS[token.slice(-1)] ? token.slice(-1) : "m";
    const number = Number(UNITS[token.slice(-1)] ? token.slice(0, -1) : token);
    if (!(number > 0)) throw new Error(`bad step "${token}": write steps like 1m 10m 1h`);
    return number * UNITS[unit];
  });
}

function showSteps(seconds) {
  return seconds.map((s) => (s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h`
    : s % 60 === 0 ? `${s / 60}m` : `${s}s`)).join(" ");
}

function say(text) {
  $("decks-status").textContent = text;
  announce(text);
}

function open(dialog, node) {
  target = { id: Number(node.dataset.deckId), name: node.dataset.deckName };
  for (const span of dialog.querySelectorAll(".target-name")) span.textContent = target.name;
  dialog.querySelector(".status").textContent = "";
  dialog.showModal();
}

async function attempt(dialog, action) {
  try {
    await action();
    dialog.close();
    location.reload();
  } catch (error) {
    dialog.querySelector(".status").textContent = `Error: ${error.message}`;
    announce(`Error: ${error.message}`);
  }
}

async function create(event) {
  event.preventDefault();
  const name = $("create-name").value.trim();
  try {
    await api("/decks", { method: "POST", body: { name } });
    say(`Created ${name}.`);
    location.reload();
  } catch (error) {
    say(`Error: ${error.message}`);
  }
}

async function openOptions(node) {
  open($("options-dialog"), node);
  const deck = await api(`/decks/${target.id}`);
  for (const row of document.querySelectorAll(".option-row")) {
    const name = row.dataset.option;
    const value = deck.config[name];
    row.querySelector(`input[name="${name}"]`).value = row.dataset.kind === "steps" ? showSteps(value) : value;
    row.querySelector(`input[name="inherit-${name}"]`).checked = deck.inherited.includes(name);
  }
}

for (const node of document.querySelectorAll(".deck-node")) {
  const row = node.querySelector(":scope > .deck-row");
  row.querySelector(".deck-rename")?.addEventListener("click", () => {
    open($("rename-dialog"), node);
    $("rename-name").value = target.name;
    $("rename-name").select();
  });
  row.querySelector(".deck-delete")?.addEventListener("click", () => {
    open($("delete-dialog"), node);
    $("delete-confirm").value = "";
  });
  row.querySelector(".deck-options-open")?.addEventListener("click", () => openOptions(node));
}

for (const button of document.querySelectorAll(".dialog-cancel")) {
  button.addEventListener("click", () => button.closest("dialog").close());
}

// Changing an inherited option's value makes it the deck's own.
for (const row of document.querySelectorAll(".option-row")) {
  row.querySelector("input:not([type=checkbox])").addEventListener("input", () => {
    row.querySelector("input[type=checkbox]").checked = false;
  });
}

$("create-form").addEventListener("submit", create);
$("rename-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt($("rename-dialog"), () => api(`/decks/${target.id}`, {
    method: "PATCH", body: { name: $("rename-name").value.trim() },
  }));
});
$("delete-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const confirm = $("delete-confirm").value.trim();
  attempt($("delete-dialog"), async () => {
    const gone = await api(`/decks/${target.id}?confirm=${encodeURIComponent(confirm)}`, { method: "DELETE" });
    sessionStorage.setItem("tokendeck-deleted",
      `Deleted ${gone.decks.join(", ")} (${gone.cards} cards).` + (gone.backup ? ` Snapshot: ${gone.backup}` : ""));
  });
});
$("options-form").addEventListener("submit", (event) => {
  event.preventDefault();
  attempt($("options-dialog"), () => {
    // Ticked: follow the parent; not ticked: the deck's own value (typing unticks it).
    const body = { inherit: [] };
    for (const row of document.querySelectorAll(".option-row")) {
      const name = row.dataset.option;
      const input = row.querySelector(`input[name="${name}"]`);
      if (row.querySelector(`input[name="inherit-${name}"]`).checked) {
        body.inherit.push(name);
      } else {
        body[name] = row.dataset.kind === "steps" ? parseSteps(input.value) : Number(input.value);
      }
    }
    return api(`/decks/${target.id}/config`, { method: "PATCH", body });
  });
});

const deleted = sessionStorage.getItem("tokendeck-deleted");
if (deleted) {
  sessionStorage.removeItem("tokendeck-deleted");
  say(deleted);
}
