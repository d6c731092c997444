"""Note types of a deck's own in Anki's "Notes in Plain Text" export.

Anki's text export names each note's note type (``#notetype column:``) but does
not describe it. A note of a stock note type becomes that kind of note; a note of
a deck's own note type ("Basic+") keeps its fields in column order, under a note
type made up from the file (:attr:`NoteTypeRecord.inferred`): at import the
collection's note type of that name is used instead if it has one.
"""

from __future__ import annotations

import html

from tokendeck.transfer.package import NoteTypeRecord, TemplateRecord


def fields_of(
    name: str,
    values: list[str],
    labels: list[str] | None,
    types: dict[str, NoteTypeRecord],
    html_text: bool,
) -> tuple[dict[str, str], NoteTypeRecord]:
    """A row's fields under note type ``name`` (made up, and kept in ``types``, on first
    sight); ``html_text`` False: the values are plain text, shown as written."""
    note_type = types.get(name)
    if note_type is None:
        note_type = types[name] = made_up_type(name, labels, values)
    if not html_text:
        values = [html.escape(v, quote=False).replace("\n", "<br>") for v in values]
    return dict(zip(note_type.field_names, values, strict=False)), note_type


def made_up_type(name: str, labels: list[str] | None, values: list[str]) -> NoteTypeRecord:
    """A note type for ``name`` from a file's columns: fields named by its column names
    (``labels``) or "Field 1", "Field 2"...; one card showing the first field and
    answered by the others (a cloze card if the name says cloze and the first field
    holds clozes)."""
    names = [label or f"Field {n}" for n, label in enumerate(labels or [""] * len(values), 1)]
    first = values[0] if values else ""
    cloze = "{{c" in first and "cloze" in name.lower()
    question = f"{{{{cloze:{names[0]}}}}}" if cloze else f"{{{{{names[0]}}}}}"
    # Each other field on a line of its own, only when it has text.
    shown = "".join(f"{{{{#{n}}}}}<div>{{{{{n}}}}}</div>{{{{/{n}}}}}" for n in names[1:])
    answer = (question if cloze else "{{FrontSide}}<hr id=answer>") + shown
    return NoteTypeRecord(
        name=name,
        field_names=names,
        templates=[TemplateRecord("Card 1", question, answer)],
        kind="cloze" if cloze else "standard",
        inferred=True,
    )
