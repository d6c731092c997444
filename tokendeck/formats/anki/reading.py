"""Reading ``.apkg`` / ``.colpkg`` files into an :class:`interchange.Package`.

Anki has written three package layouts, and we accept all of them:

=========================  ====================  ==========================
collection member          media map             since
=========================  ====================  ==========================
``collection.anki2``       JSON                  Anki 2.0 (scheduler v1)
``collection.anki21``      JSON                  Anki 2.1 (scheduler v2)
``collection.anki21b``     zstd protobuf         Anki 2.1.50 (``meta`` = 3)
=========================  ====================  ==========================

The collection is streamed out of the zip into a private temporary
directory and opened read-only; notes and cards are each read in one
sequential pass. The review log is not read at all: the package's
``history`` is a :class:`ReviewSource` over the extracted file (a SELECT that
converts Anki's revlog in SQL), so the temporary directory lives as long as
the package does.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import tempfile
import weakref
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from tokendeck import progress
from tokendeck.errors import ImportFormatError
from tokendeck.formats.anki import decks as anki_decks
from tokendeck.formats.anki import media as anki_media
from tokendeck.formats.anki import notetypes, protobuf, scheduling
from tokendeck.formats.anki.database import AnkiDatabase, CardRow, history_select
from tokendeck.formats.options import ReadOptions
from tokendeck.transfer.package import CardRecord, MediaFile, NoteRecord, Package, ReviewSource
from tokendeck.untrusted.budget import Budget, ReadLimits
from tokendeck.untrusted.guard import printable
from tokendeck.untrusted.zips import SafeZip

_T = TypeVar("_T")
_LATEST = 3
_COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_FIELD_SEPARATOR = "\x1f"
_DEFAULT_DECK_ID = 1
#: Rows are counted against the budget in steps of this many (a check per row costs time).
_COUNT_EVERY = 4096
_HINT = "the package is damaged or was not made by Anki; export it from Anki again"


def read(
    data: bytes | Path,
    *,
    source: str,
    options: ReadOptions | None = None,
    limits: ReadLimits | None = None,
) -> Package:
    """Read an Anki package (bytes or a path) into a Package.

    Raises ImportFormatError naming ``source`` for anything that is not a
    readable Anki package, and TooLargeError for a likely zip bomb or a read
    over its budget (``limits``, else ``options.limits``, else the defaults).
    ``options`` (a ``ReadOptions``) may add tags to every note.
    """
    file = io.BytesIO(data) if isinstance(data, bytes) else data
    budget = Budget(limits or (options.limits if options else None), source=source)
    tmp = tempfile.mkdtemp(prefix="tokendeck-anki-")
    try:
        package = _read_archive(file, Path(tmp), budget)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    # The history is read from the extracted file when the package is applied.
    weakref.finalize(package, shutil.rmtree, tmp, True)
    extra_tags = list(options.tags) if options else []
    if extra_tags:
        for note in package.notes:
            note.tags = list(dict.fromkeys(note.tags + extra_tags))
    return package


def _read_archive(file: io.BytesIO | Path, tmp: Path, budget: Budget) -> Package:
    source = budget.source
    with SafeZip(file, budget=budget, hint=_HINT) as archive:
        member, latest = _collection_member(archive)
        db_path = tmp / "collection.sqlite"
        archive.extract(member, db_path, zstd=latest)
        _check_sqlite(db_path, source, member)
        database = AnkiDatabase(db_path, budget=budget)
        try:
            reader = _CollectionReader(database, source)
            package = reader.package()
            package.history = ReviewSource(
                db_path, history_select(v1=reader.v1), database.revlog_count()
            )
        except sqlite3.Error as exc:  # met while iterating rows
            raise database.error(exc) from None
        finally:
            database.close()
        package.media = _read_media(
            archive, latest=latest, source=source, warnings=package.warnings
        )
    return package


def _collection_member(archive: SafeZip) -> tuple[str, bool]:
    """Which member holds the collection, and whether it is zstd-compressed."""
    if archive.has("meta"):
        try:
            version = protobuf.first_int(protobuf.fields(archive.read("meta")), 1)
        except protobuf.ProtobufError:
            version = 0
        if version == 0 or version > _LATEST:
            raise ImportFormatError(
                "package was made by a newer Anki than this reader knows",
                path=archive.source,
                record="member meta",
                hint="in Anki, export with 'Support older Anki versions' ticked",
            )
        if version == _LATEST:
            return _require(archive, "collection.anki21b"), True
    for name in _COLLECTIONS[1:]:
        if archive.has(name):
            return name, False
    raise ImportFormatError(
        "not an Anki package: it holds no collection.anki2, collection.anki21 or "
        "collection.anki21b",
        path=archive.source,
        hint="choose an .apkg or .colpkg file exported from Anki",
    )


def _require(archive: SafeZip, name: str) -> str:
    if not archive.has(name):
        raise ImportFormatError(
            f"package declares the newer format but {name} is missing",
            path=archive.source,
            hint="the package is incomplete; export it from Anki again",
        )
    return name


def _check_sqlite(path: Path, source: str, member: str) -> None:
    with path.open("rb") as handle:
        if handle.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise ImportFormatError(
                "not an Anki collection: it is not an SQLite database",
                path=source,
                record=f"member {member}",
                hint="the package is damaged or was not made by Anki",
            )


def _read_media(
    archive: SafeZip, *, latest: bool, source: str, warnings: list[str]
) -> list[MediaFile]:
    if not archive.has("media"):
        return []
    raw = archive.read("media", zstd=latest)
    if latest:
        pairs = anki_media.protobuf_map(raw, source=source)
    else:
        pairs = anki_media.legacy_map(raw, source=source)
    files: list[MediaFile] = []
    for member, name in pairs:
        if not archive.has(member):
            warnings.append(f"media file {name!r} is listed but missing from the package; skipped")
            continue
        files.append(MediaFile(name=name, data=archive.read(member, zstd=latest)))
    return files


class _CollectionReader:
    """Turns one open Anki collection into a Package."""

    def __init__(self, database: AnkiDatabase, source: str) -> None:
        self.db = database
        self.source = source
        self.warnings: list[str] = []
        ver, self.crt, conf, models, decks, dconf = database.col_row()
        self.schema11 = ver < 15
        if self.schema11:
            self.types = _described(
                "note types (col.models)", source, notetypes.from_schema11, models
            )
            deck_list, configs = _described(
                "decks (col.decks, col.dconf)", source, anki_decks.from_schema11, decks, dconf
            )
            sched = _json_dict(conf).get("schedVer", 1)
        else:
            self.types = _described(
                "note types",
                source,
                notetypes.from_schema18,
                database.notetypes(),
                database.notetype_fields(),
                database.templates(),
            )
            deck_list, configs = _described(
                "decks", source, anki_decks.from_schema18, database.decks(), database.deck_configs()
            )
            sched = _json_value(database.config_value("schedVer"), default=2)
        self.v1 = sched == 1
        self.deck_list, self.configs = deck_list, configs
        self.deck_names = {d.id: d.name for d in deck_list}
        self.deck_config = {d.id: d.config_id for d in deck_list}
        self._last_answers: dict[int, float] | None = None
        #: Note type id -> its unique name in the package, in first-use order.
        self.used_types: dict[int, str] = {}

    def package(self) -> Package:
        """Read notes, cards and decks into a Package (the history is left in the file)."""
        progress.report("reading cards", 0)
        cards = self._cards()
        progress.report("reading notes", 0)
        notes = []
        for number, row in enumerate(self.db.notes()):
            if not number % _COUNT_EVERY:
                self.db.budget.count_rows(_COUNT_EVERY, what="notes and cards")
            notes.append(self._note(row, cards.get(row[0], [])))
        used = {n.deck for n in notes} | {c.deck for n in notes for c in n.cards if c.deck}
        deck_list = [d for d in self.deck_list if d.id != _DEFAULT_DECK_ID or d.name in used]
        return Package(
            notes=notes,
            decks=anki_decks.deck_records(deck_list, self.configs, self.warnings),
            note_types=[self.types[ntid].record(name) for ntid, name in self.used_types.items()],
            warnings=self.warnings,
            source=self.source,
            match="guid",  # Anki matches a package's notes by GUID, and so do we
        )

    def _type_name(self, notetype: notetypes.NoteType) -> str:
        """The note type's name in the package: unique, as notes refer to it by name."""
        name = self.used_types.get(notetype.id)
        if name is None:
            taken = set(self.used_types.values())
            name = base = notetype.name or "Note type"
            number = 1
            while name in taken:  # two note types of one name (Anki 2.0 allowed it)
                number += 1
                name = f"{base} ({number})"
            self.used_types[notetype.id] = name
        return name

    def _cards(self) -> dict[int, list[CardRecord]]:
        by_note: defaultdict[int, list[CardRecord]] = defaultdict(list)
        for number, row in enumerate(self.db.cards()):
            if not number % _COUNT_EVERY:
                self.db.budget.count_rows(_COUNT_EVERY, what="notes and cards")
            by_note[row[1]].append(self._card(row))
        return by_note

    def _last_answer(self, cid: int) -> Callable[[], float | None]:
        # Only cards whose data lacks "lrt" ask, so the grouped query over the
        # whole log runs at most once, and usually never.
        def ask() -> float | None:
            if self._last_answers is None:
                self._last_answers = self.db.last_answers()
            return self._last_answers.get(cid)

        return ask

    def _card(self, row: CardRow) -> CardRecord:
        cid, _nid, did, ordinal, ctype, queue, due, ivl, left, reps, lapses, odue, odid, data = row
        home = odid or did
        deck = self.deck_names.get(home)
        if deck is None:
            self.warnings.append(
                f"card {cid} is in deck id {home}, which the package lacks; put in Default"
            )
            deck = "Default"
        columns = (ordinal, ctype, queue, due, ivl, reps, lapses, odue, odid)
        record = scheduling.card_record(
            columns, data, crt=self.crt, deck=deck, key=cid, last_answer=self._last_answer(cid)
        )
        if record.state in ("learning", "relearning"):
            key = "learning_steps" if record.state == "learning" else "relearning_steps"
            steps = self.configs.get(self.deck_config.get(home, 1), {}).get(key, [])
            record.step = scheduling.learning_step(left, len(steps))
        return record

    def _note(self, row: tuple[int, str, int, str, str], cards: list[CardRecord]) -> NoteRecord:
        nid, guid, mid, tags, flds = row
        notetype = self.types.get(mid)
        if notetype is None:
            raise ImportFormatError(
                f"uses note type id {mid}, which the package does not define",
                path=self.source,
                record=f"note {nid}",
                hint="the package is damaged; export it from Anki again",
            )
        values = self._values(notetype, flds, nid)
        front, back = notetype.front_back(values)
        deck = cards[0].deck if cards and cards[0].deck else "Default"
        for card in cards:
            if card.deck == deck:
                card.deck = None  # same as the note's: no override
        return NoteRecord(
            front=front,
            back=back,
            deck=deck,
            kind=notetype.kind({c.ordinal for c in cards}),
            guid=guid,
            tags=tags.split(),
            # Every field, in the note type's order: the note type's templates use them.
            fields=dict(zip(notetype.field_names, values, strict=True)),
            cards=cards,
            note_type=self._type_name(notetype),
            format="html",
        )

    def _values(self, notetype: notetypes.NoteType, flds: str, nid: int) -> list[str]:
        values = flds.split(_FIELD_SEPARATOR)
        wanted = len(notetype.field_names)
        if len(values) != wanted:
            self.warnings.append(
                f"note {nid} has {len(values)} fields but its note type "
                f"{notetype.name!r} has {wanted}; extra fields dropped, missing ones empty"
            )
            values = (values + [""] * wanted)[:wanted]
        return values


def _json_value(text: str | bytes | None, *, default: Any) -> Any:
    try:
        return json.loads(text) if text else default
    except (ValueError, TypeError, RecursionError):
        return default


def _json_dict(text: str) -> dict[str, Any]:
    value = _json_value(text, default={})
    return value if isinstance(value, dict) else {}


def _described(what: str, source: str, parse: Callable[..., _T], *args: Any) -> _T:
    """``parse(*args)``, any failure reported as this part of the collection being damaged.

    Anki stores note types and decks as JSON (schema 11) or protobuf (schema 18);
    a damaged or hand-made file can hold anything there, and the parsers rely
    on the shapes Anki writes.
    """
    try:
        return parse(*args)
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError, OverflowError) as exc:
        raise ImportFormatError(
            f"its {what} are not as Anki writes them ({printable(exc)})",
            path=source,
            hint=_HINT,
        ) from None
