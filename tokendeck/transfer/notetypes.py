"""An import's note types: each one matched by name with the collection's, or created.

A package's note type is the collection's note type of the same name when
their fields and number of templates agree (``matched``; in update mode its
templates and styling are brought up to date: ``updated``). A note type of the
same name but other fields is stored under a free name of its own, as Anki
keeps both (``created as 'Name (2)'``). A note type made up from a text
file's columns (:attr:`NoteTypeRecord.inferred`) is only a stand-in: a note
type of that name already here is used instead (``mapped``), its fields taken
in the file's column order. The import's result says which happened to each.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokendeck.domain.notetypes import CardTemplate, NoteType, check_note_type
from tokendeck.errors import ValidationError
from tokendeck.storage import Store
from tokendeck.transfer.package import NoteRecord, NoteTypeRecord, Package


@dataclass
class Resolved:
    """The stored note type of each of a package's note types, and what was done."""

    #: Package name -> stored note type.
    types: dict[str, NoteType] = field(default_factory=dict)
    #: Package name -> "created", "matched", "updated", "mapped" or "created as '...'".
    outcome: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def record_to_type(record: NoteTypeRecord, user_id: int, *, name: str | None = None) -> NoteType:
    """A note type (not yet stored: id 0) from a package record."""
    return NoteType(
        id=0,
        user_id=user_id,
        name=name or record.name,
        kind=record.kind,
        field_names=tuple(record.field_names),
        templates=tuple(CardTemplate(t.name, t.question, t.answer) for t in record.templates),
        css=record.css,
        latex_pre=record.latex_pre,
        latex_post=record.latex_post,
        latex_svg=record.latex_svg,
        sort_field=record.sort_field,
        source_id=record.id,
    )


def check_records(package: Package) -> None:
    """Refuse note types that cannot render, and notes naming a note type the package lacks."""
    for record in package.note_types:
        try:
            check_note_type(
                record.name, record.kind, tuple(record.field_names), len(record.templates)
            )
        except ValidationError as exc:
            raise ValidationError(
                f"{package.source or 'the file'}: {exc.message}", hint=exc.hint
            ) from None


def resolve(store: Store, package: Package, mode: str, now_ms: int) -> Resolved:
    """Store (or find) every note type the package's notes use; inside the import's
    transaction."""
    resolved = Resolved()
    used = {n.note_type for n in package.notes if n.note_type}
    for record in package.note_types:
        if record.name not in used:
            continue
        stored, outcome = _one(store, record, mode, now_ms)
        resolved.types[record.name] = stored
        resolved.outcome[record.name] = outcome
        if (
            record.inferred
            and outcome == "mapped"
            and len(record.field_names) != len(stored.field_names)
        ):
            resolved.warnings.append(
                f"note type {record.name!r}: the file has {len(record.field_names)} fields, "
                f"the collection's has {len(stored.field_names)}; fields were taken in order "
                "(missing ones left empty, extra ones dropped)"
            )
    return resolved


def _one(store: Store, record: NoteTypeRecord, mode: str, now_ms: int) -> tuple[NoteType, str]:
    user = store.user_id
    existing = store.note_types.by_name(record.name)
    if existing is None:
        created = record_to_type(record, user)
        return _inserted(store, created, now_ms), "created"
    if record.inferred:
        return existing, "mapped"
    if existing.same_shape(record.field_names, len(record.templates)):
        incoming = record_to_type(record, user)
        if mode == "update" and _looks_differ(existing, incoming):
            updated = _with_id(incoming, existing)
            store.note_types.update(updated, now_ms)
            return updated, "updated"
        return existing, "matched"
    name = _free_name(store, record.name)
    created = record_to_type(record, user, name=name)
    return _inserted(store, created, now_ms), f"created as {name!r}"


def _inserted(store: Store, note_type: NoteType, now_ms: int) -> NoteType:
    new_id = store.note_types.insert(note_type, now_ms)
    return store.note_types.get(new_id) or note_type


def _with_id(incoming: NoteType, existing: NoteType) -> NoteType:
    from dataclasses import replace

    return replace(incoming, id=existing.id, created_at=existing.created_at)


def _looks_differ(a: NoteType, b: NoteType) -> bool:
    keys = ("kind", "templates", "css", "latex_pre", "latex_post", "latex_svg", "sort_field")
    return any(getattr(a, k) != getattr(b, k) for k in keys)


def _free_name(store: Store, name: str) -> str:
    number = 2
    while store.note_types.by_name(f"{name} ({number})") is not None:
        number += 1
    return f"{name} ({number})"


def fields_for(record: NoteRecord, note_type: NoteType, inferred: bool) -> dict[str, str]:
    """A note's fields under its stored note type's names (by position for a stand-in type)."""
    if not inferred:
        return {name: record.fields.get(name, "") for name in note_type.field_names}
    values = list(record.fields.values())
    values += [""] * (len(note_type.field_names) - len(values))
    return dict(zip(note_type.field_names, values, strict=False))
