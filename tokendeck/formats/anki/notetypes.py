"""Anki note types, and how a note of each maps to a TokenDeck note.

Kinds are recognised by structure, not by name, because stock note types
are renamed by users and localised by Anki ("Einfach", "Básico"...):

* a cloze note type gives ``cloze``;
* a template that types the answer (``{{type:Field}}``) gives ``type_in``;
* a note that has a card from a second template gives ``basic_reversed``
  (this covers "Basic (optional reversed card)" when the reverse exists);
* anything else gives ``basic``.

The first field becomes the front and the other *displayed* fields the
back; a field used only as a switch (``{{#Add Reverse}}``) is not content.
All fields are kept by name in :attr:`NoteRecord.fields`, and the note type
itself (templates, CSS, LaTeX header) travels as a
:class:`~tokendeck.transfer.package.NoteTypeRecord`, so cards can be rendered as
Anki renders them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

from tokendeck.formats.anki import protobuf
from tokendeck.transfer.package import NoteTypeRecord, TemplateRecord

#: Anki's OriginalStockKind values, for messages.
STOCK_NAMES = {
    1: "Basic",
    2: "Basic (and reversed card)",
    3: "Basic (optional reversed card)",
    4: "Basic (type in the answer)",
    5: "Cloze",
    6: "Image Occlusion",
}

_REFERENCE = re.compile(r"\{\{([^#/^!}][^}]*)\}\}")


@dataclass(frozen=True)
class NoteType:
    """What we need to know about one Anki note type."""

    id: int
    name: str
    is_cloze: bool
    field_names: tuple[str, ...]
    #: (question, answer) format of each template, by ordinal.
    templates: tuple[tuple[str, str], ...]
    template_names: tuple[str, ...] = ()
    css: str = ""
    latex_pre: str = ""
    latex_post: str = ""
    latex_svg: bool = False
    sort_field: int = 0

    def record(self, name: str) -> NoteTypeRecord:
        """The neutral-form record of this note type, called ``name``."""
        names = self.template_names or tuple(f"Card {i + 1}" for i in range(len(self.templates)))
        return NoteTypeRecord(
            name=name,
            field_names=list(self.field_names),
            templates=[
                TemplateRecord(name=n, question=q, answer=a)
                for n, (q, a) in zip(names, self.templates, strict=True)
            ],
            kind="cloze" if self.is_cloze else "standard",
            css=self.css,
            latex_pre=self.latex_pre,
            latex_post=self.latex_post,
            latex_svg=self.latex_svg,
            sort_field=self.sort_field,
            id=self.id,
        )

    def kind(self, ordinals: set[int]) -> str:
        """The TokenDeck note kind for a note of this type with these card ordinals."""
        if self.is_cloze:
            return "cloze"
        if self.types_answer:
            return "type_in"
        if 1 in ordinals and len(self.templates) > 1:
            return "basic_reversed"
        return "basic"

    @cached_property
    def types_answer(self) -> bool:
        """Whether a question asks for the answer to be typed (asked once per note read)."""
        return any("{{type:" in q for q, _a in self.templates)

    @cached_property
    def content_fields(self) -> tuple[int, ...]:
        """Indexes of the fields (after the first) that templates display."""
        shown = {ref.rsplit(":", 1)[-1].strip() for q, a in self.templates for ref in _refs(q + a)}
        rest = tuple(i for i, name in enumerate(self.field_names) if i and name in shown)
        # A note type whose templates show nothing we recognise keeps every field.
        return rest or tuple(range(1, len(self.field_names)))

    def front_back(self, values: list[str]) -> tuple[str, str]:
        """Front and back text of a note of this type."""
        front = values[0] if values else ""
        back = "<br>".join(values[i] for i in self.content_fields if values[i])
        return front, back


def _refs(template: str) -> list[str]:
    return _REFERENCE.findall(template)


def from_schema11(models_json: str) -> dict[int, NoteType]:
    """Note types from the JSON of ``col.models`` (schema 11 collections)."""
    models = json.loads(models_json or "{}")
    types: dict[int, NoteType] = {}
    for key, model in models.items():
        fields = sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))
        templates = sorted(model.get("tmpls", []), key=lambda t: t.get("ord", 0))
        ntid = int(model.get("id") or key)
        types[ntid] = NoteType(
            id=ntid,
            name=str(model.get("name", "")),
            is_cloze=model.get("type") == 1,
            field_names=tuple(str(f.get("name", "")) for f in fields),
            templates=tuple((str(t.get("qfmt", "")), str(t.get("afmt", ""))) for t in templates),
            template_names=tuple(str(t.get("name", "")) for t in templates),
            css=str(model.get("css") or ""),
            latex_pre=str(model.get("latexPre") or ""),
            latex_post=str(model.get("latexPost") or ""),
            latex_svg=bool(model.get("latexsvg")),
            sort_field=_int(model.get("sortf")),
        )
    return types


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def from_schema18(
    rows: list[tuple[int, str, bytes]],
    field_rows: list[tuple[int, int, str]],
    template_rows: list[tuple[int, int, str, bytes]],
) -> dict[int, NoteType]:
    """Note types from the ``notetypes``/``fields``/``templates`` tables (schema 18)."""
    names: dict[int, list[str]] = {}
    for ntid, _ord, name in field_rows:
        names.setdefault(ntid, []).append(name)
    templates: dict[int, list[tuple[str, str]]] = {}
    template_names: dict[int, list[str]] = {}
    for ntid, _ord, template_name, config in template_rows:
        grouped = protobuf.fields(bytes(config))
        formats = (protobuf.first_str(grouped, 1), protobuf.first_str(grouped, 2))
        templates.setdefault(ntid, []).append(formats)
        template_names.setdefault(ntid, []).append(template_name)
    types: dict[int, NoteType] = {}
    for ntid, name, config in rows:
        # Notetype.Config: kind 1, sort_field_idx 2, css 3, latex_pre 5, latex_post 6,
        # latex_svg 7 (proto/anki/notetypes.proto).
        grouped = protobuf.fields(bytes(config))
        types[ntid] = NoteType(
            id=ntid,
            name=name,
            is_cloze=protobuf.first_int(grouped, 1) == 1,
            field_names=tuple(names.get(ntid, ())),
            templates=tuple(templates.get(ntid, ())),
            template_names=tuple(template_names.get(ntid, ())),
            css=protobuf.first_str(grouped, 3),
            latex_pre=protobuf.first_str(grouped, 5),
            latex_post=protobuf.first_str(grouped, 6),
            latex_svg=bool(protobuf.first_int(grouped, 7)),
            sort_field=protobuf.first_int(grouped, 2),
        )
    return types
