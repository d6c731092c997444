// Editing a note from Anki: one labelled text box per field of its note type (HTML as stored).
import { esc } from "./api.js";

/** Fill `container` with a text box per field (`fields`: name -> value), or hide it for null. */
export function fieldEditor(container, fields) {
  container.hidden = !fields;
  if (!fields) {
    container.replaceChildren();
    return;
  }
  container.innerHTML = Object.entries(fields).map(([name, value], index) => {
    const id = `${container.id}-${index}`;
    return `<label for="${id}">${esc(name)}</label>` +
      `<textarea id="${id}" rows="2" data-field="${esc(name)}">${esc(value)}</textarea>`;
  }).join("");
}

/** The edited fields: name -> value. */
export function readFields(container) {
  const fields = {};
  for (const box of container.querySelectorAll("textarea[data-field]")) fields[box.dataset.field] = box.value;
  return fields;
}
