"""Writing an :class:`interchange.Package` as an ``.apkg`` that Anki opens.

We write the legacy layout (``collection.anki21`` with a JSON media map),
which every Anki since 2.1 and AnkiDroid import; current Anki upgrades it
on import. Each TokenDeck note kind gets Anki's stock note type shape
(Basic, Basic (and reversed card), Basic (type in the answer), Cloze); notes
that arrived from Anki with more fields keep them in a note type of their own,
and notes that carry their Anki note type (:attr:`NoteRecord.note_type`) are
written with it: fields, templates, CSS and LaTeX header as they came.
Rows go in with ``executemany`` from generators, and indexes are built once
at the end, so a million reviews export in seconds.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

from tokendeck import progress
from tokendeck.formats.anki import export_history
from tokendeck.formats.anki import legacy_schema as schema
from tokendeck.formats.anki import media as anki_media
from tokendeck.formats.anki.export_rows import (
    CardRows,
    Clock,
    default_ordinals,
    guid_for,
    note_fields,
    strip_html,
)
from tokendeck.formats.options import WriteOptions
from tokendeck.rendering.card import card_ordinals
from tokendeck.transfer.package import CardRecord, NoteRecord, NoteTypeRecord, Package

_DEFAULT_DECK_ID = 1
_FIRST_DECK_ID = 1_000_000_000_000
_FIRST_MODEL_ID = 1_600_000_000_000
#: deflate level for the collection: 1 is several times faster than the
#: default 6 and the SQLite file compresses almost as well.
_COMPRESS_LEVEL = 1
_CHUNK = 5000
_REVLOG_INSERT = "INSERT INTO revlog VALUES (?,?,?,?,?,?,?,?,?)"


def write(package: Package, path: Path, *, options: WriteOptions | None = None) -> None:
    """Write ``package`` to ``path`` as an ``.apkg`` (replacing it atomically).

    ``options`` is accepted for the registry's uniform call; nothing in it
    applies to Anki packages.
    """
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="tokendeck-anki-", dir=path.parent) as tmp:
        db_path = Path(tmp) / "collection.anki21"
        _build_collection(package, db_path)
        progress.report("compressing", 0)
        partial = Path(tmp) / "package.apkg"
        _zip(package, db_path, partial)
        os.replace(partial, path)


def to_bytes(package: Package, *, options: WriteOptions | None = None) -> bytes:
    """The ``.apkg`` bytes for ``package`` (for writers that return bytes)."""
    with tempfile.TemporaryDirectory(prefix="tokendeck-anki-") as tmp:
        target = Path(tmp) / "export.apkg"
        write(package, target)
        return target.read_bytes()


def _zip(package: Package, db_path: Path, target: Path) -> None:
    names = [anki_media.safe_name(m.name, source="export") for m in package.media]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL) as zf:
        zf.writestr("meta", b"\x08\x02")  # PackageMetadata{version: LEGACY_2}
        zf.write(db_path, "collection.anki21")
        mapping = {str(i): name for i, name in enumerate(names)}
        zf.writestr("media", schema.dumps(mapping))
        for i, media_file in enumerate(package.media):
            zf.writestr(str(i), media_file.data)


@dataclass
class _Layout:
    """Ids of the decks and note types the package needs."""

    decks: dict[str, int] = field(default_factory=dict)
    types: dict[tuple[str, tuple[str, ...], tuple[str, ...]], schema.NoteTypeSpec] = field(
        default_factory=dict
    )
    #: The package's own note types by name, and the ids of those notes use.
    records: dict[str, NoteTypeRecord] = field(default_factory=dict)
    record_ids: dict[str, int] = field(default_factory=dict)
    #: Anki's tags column for each distinct tag list (most notes share a few).
    tag_columns: dict[tuple[str, ...], str] = field(default_factory=dict)

    def tags_text(self, tags: list[str]) -> str:
        """Anki's ``tags`` column: space-separated, spaces inside a tag as ``_``, padded."""
        key = tuple(tags)
        text = self.tag_columns.get(key)
        if text is None:
            joined = " ".join(t.replace(" ", "_") for t in tags)
            text = self.tag_columns[key] = f" {joined} " if joined else ""
        return text

    def deck_id(self, name: str) -> int:
        """The id of deck ``name``, registering it and its parents."""
        if name == "Default":
            return _DEFAULT_DECK_ID
        known = self.decks.get(name)
        if known is not None:
            return known
        parts = name.split("::")
        for depth in range(1, len(parts) + 1):
            prefix = "::".join(parts[:depth])
            self.decks.setdefault(prefix, _FIRST_DECK_ID + len(self.decks))
        return self.decks[name]

    def record_id(self, record: NoteTypeRecord) -> int:
        """The id a package note type is written under (its own, when it has one)."""
        known = self.record_ids.get(record.name)
        if known is None:
            key = ("record", tuple(record.field_names), (record.name,))
            known = record.id if record.id is not None else _model_id(key)
            while known in self.record_ids.values():
                known += 1  # two types of one id: keep both
            self.record_ids[record.name] = known
        return known

    def note_type(
        self, kind: str, names: tuple[str, ...], shown: tuple[str, ...]
    ) -> schema.NoteTypeSpec:
        """The note type for notes of ``kind`` with fields ``names`` (``shown`` on the back)."""
        key = (kind, names, shown)
        spec = self.types.get(key)
        if spec is None:
            spec = schema.NoteTypeSpec(_model_id(key), "", kind, names, shown)
            spec = replace(spec, name=schema.type_name(spec))
            self.types[key] = spec
        return spec


def _model_id(key: tuple[str, tuple[str, ...], tuple[str, ...]]) -> int:
    """A note type id that depends only on its shape, so that every export uses the
    same ids and Anki (which matches note types by id) does not add "Basic+" copies."""
    digest = hashlib.sha1(repr(key).encode()).digest()
    return _FIRST_MODEL_ID + int.from_bytes(digest[:5], "big") % 10**11


def _build_collection(package: Package, db_path: Path) -> None:
    clock = Clock.for_package(package)
    layout = _Layout(records={t.name: t for t in package.note_types})
    conn = sqlite3.connect(db_path, isolation_level=None)
    try:
        # A throwaway file: no fsync, journal in memory (still needed: a clashing
        # revlog chunk is rolled back to its savepoint); it is zipped and deleted.
        conn.execute("PRAGMA journal_mode = MEMORY")
        conn.execute("PRAGMA synchronous = OFF")
        conn.executescript(schema.TABLES)
        with export_history.attached(conn, package.history):
            conn.execute("BEGIN")
            keys = _insert_notes(conn, package.notes, layout, clock)
            if package.history is not None:
                progress.report("writing review history", 0, package.history.count)
                insert = partial(_insert_revlog, conn)
                export_history.copy_history(conn, package.history, keys, insert)
            col_json = _col_json(package, layout, clock)
            conn.execute(
                "INSERT INTO col VALUES (1,?,?,?,?,0,0,0,?,?,?,?,'{}')",
                (clock.crt, clock.mod_ms, clock.mod_ms, schema.SCHEMA_VERSION, *col_json),
            )
            conn.execute("COMMIT")
        conn.executescript(schema.INDEXES)
    finally:
        conn.close()


def _insert_notes(
    conn: sqlite3.Connection, notes: list[NoteRecord], layout: _Layout, clock: Clock
) -> list[tuple[int, int]]:
    """Insert notes in chunks, so only one chunk's card and revlog rows are in memory.

    Returns (history key, Anki card id) of the cards that have a key.
    """
    rows = CardRows(clock)
    for start in range(0, len(notes), _CHUNK):
        chunk = notes[start : start + _CHUNK]
        note_rows = [
            _note_row(start + i, note, layout, rows, clock) for i, note in enumerate(chunk)
        ]
        card_rows, revlog_rows = rows.take()
        conn.executemany("INSERT INTO notes VALUES (?,?,?,?,?,?,?,?,?,?,?)", note_rows)
        conn.executemany(f"INSERT INTO cards VALUES ({','.join('?' * 18)})", card_rows)
        _insert_revlog(conn, revlog_rows)
        progress.report("writing notes", start + len(chunk), len(notes))
    return rows.keys


def _insert_revlog(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
    """Insert review rows; ids (ms timestamps) that clash are nudged by 1 ms, as Anki does.

    Clashes are rare, so the fast path inserts the chunk at once and only a
    chunk that hit one is redone row by row (cheaper than remembering every id).
    """
    conn.execute("SAVEPOINT revlog")
    try:
        conn.executemany(_REVLOG_INSERT, rows)
    except sqlite3.IntegrityError:
        conn.execute("ROLLBACK TO revlog")
        for row in rows:
            rid = row[0]
            while True:
                try:
                    conn.execute(_REVLOG_INSERT, (rid, *row[1:]))
                    break
                except sqlite3.IntegrityError:
                    rid += 1
    conn.execute("RELEASE revlog")


def _note_row(
    index: int, note: NoteRecord, layout: _Layout, rows: CardRows, clock: Clock
) -> tuple[Any, ...]:
    record = layout.records.get(note.note_type or "")
    if record is not None:
        values = [note.fields.get(name, "") for name in record.field_names]
        model_id, sort_index = layout.record_id(record), record.sort_field
    else:
        names, values, shown = note_fields(note)
        model_id, sort_index = layout.note_type(note.kind, names, shown).id, 0
    nid = clock.base_id + index
    home = layout.deck_id(note.deck or "Default")
    if not note.cards:  # the cards its note type gives (worked out only for such notes)
        if record is not None:
            defaults = card_ordinals(record, values, tags=note.tags)
        else:
            defaults = default_ordinals(note)
        note = replace(note, cards=[CardRecord(ordinal=o) for o in defaults])
    cards = note.cards
    rows.add_note(nid, index, note, [layout.deck_id(c.deck) if c.deck else home for c in cards])
    sort_field, checksum = _sort_field(values[sort_index] if sort_index < len(values) else "")
    guid = note.guid or guid_for(note, index)
    # note_fields has replaced the separator already; a package note type's values not.
    if record is not None:
        values = [v.replace("\x1f", " ") for v in values]
    flds = "\x1f".join(values)
    return (
        nid,
        guid,
        model_id,
        clock.mod,
        -1,
        layout.tags_text(note.tags),
        flds,
        sort_field,
        checksum,
        0,
        "",
    )


def _sort_field(first: str) -> tuple[str, int]:
    text = strip_html(first)
    return text, int(hashlib.sha1(text.encode("utf-8")).hexdigest()[:8], 16)


def _col_json(package: Package, layout: _Layout, clock: Clock) -> tuple[str, str, str, str]:
    models = {str(s.id): schema.model_json(s, mtime=clock.mod) for s in layout.types.values()}
    for name, model_id in layout.record_ids.items():
        models[str(model_id)] = schema.record_model_json(
            layout.records[name], model_id, mtime=clock.mod
        )
    records = {d.name: d for d in package.decks}
    for name in records:
        layout.deck_id(name)
    confs: dict[str, Any] = {"1": schema.dconf_json(1, "Default", {}, mtime=clock.mod)}
    decks: dict[str, Any] = {}
    all_decks = {"Default": _DEFAULT_DECK_ID, **layout.decks}
    for name, deck_id in all_decks.items():
        record = records.get(name)
        conf_id = 1
        if record is not None and record.options:
            conf_id = len(confs) + 1
            confs[str(conf_id)] = schema.dconf_json(conf_id, name, record.options, mtime=clock.mod)
        description = record.description if record else ""
        decks[str(deck_id)] = schema.deck_json(deck_id, name, description, conf_id, mtime=clock.mod)
    first_deck = next(iter(layout.decks.values()), _DEFAULT_DECK_ID)
    first_model = next(iter(layout.types.values())).id if layout.types else 0
    first_model = first_model or next(iter(layout.record_ids.values()), 0)
    conf = schema.conf_json(current_deck=first_deck, current_model=first_model)
    return schema.dumps(conf), schema.dumps(models), schema.dumps(decks), schema.dumps(confs)
