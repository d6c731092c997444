"""Anki packages made by Anki's own ``anki`` package, built at test time.

Nothing here is a hand-made binary: every ``.apkg``/``.colpkg`` comes from
``Collection.export_anki_package`` / ``export_collection_package`` of a real
Anki collection in a temporary directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IMAGE_BYTES = b"\x89PNG\r\n\x1a\nnot really a picture"
SOUND_BYTES = bytes(range(256)) * 4


@dataclass
class AnkiSample:
    """What went into the sample collection, for the tests to compare against."""

    path: Path
    #: note guid -> (note type name, fields, tags)
    notes: dict[str, tuple[str, list[str], list[str]]] = field(default_factory=dict)
    #: card id -> (note guid, ord, deck name)
    cards: dict[int, tuple[str, int, str]] = field(default_factory=dict)
    guid_of: dict[str, str] = field(default_factory=dict)  # label -> guid
    card_of: dict[str, int] = field(default_factory=dict)  # label -> card id
    revlog: list[tuple[int, ...]] = field(default_factory=list)
    card_rows: dict[int, tuple[Any, ...]] = field(default_factory=dict)
    crt: int = 0


def open_collection(folder: Path) -> Any:
    """A new, empty Anki collection in ``folder``."""
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def _add(
    col: Any,
    sample: AnkiSample,
    label: str,
    notetype: str,
    values: list[str],
    deck: str,
    tags: list[str],
) -> None:
    model = col.models.by_name(notetype)
    note = col.new_note(model)
    for i, value in enumerate(values):
        note.fields[i] = value
    note.tags = tags
    col.add_note(note, col.decks.id(deck))
    sample.guid_of[label] = note.guid
    for card in note.cards():
        sample.card_of[f"{label}/{card.ord}"] = card.id


def _custom_notetype(col: Any) -> None:
    models = col.models
    model = models.new("Vocab")
    for name in ("Word", "Meaning", "Example"):
        models.add_field(model, models.new_field(name))
    template = models.new_template("Recognise")
    template["qfmt"] = "{{Word}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Meaning}}<br>{{Example}}"
    models.add_template(model, template)
    models.add(model)


def _answer(col: Any, card_id: int, ease: int) -> None:
    card = col.get_card(card_id)
    card.start_timer()
    col.sched.answerCard(card, ease)


def build_sample(folder: Path, *, fsrs: bool = False) -> tuple[Any, AnkiSample]:
    """An Anki collection with every stock note type, subdecks, tags, media and history."""
    col = open_collection(folder / "anki")
    if fsrs:
        col.set_config("fsrs", True)
    sample = AnkiSample(path=folder)
    _custom_notetype(col)
    media_dir = Path(col.media.dir())
    (media_dir / "cat.png").write_bytes(IMAGE_BYTES)
    (media_dir / "miaou.mp3").write_bytes(SOUND_BYTES)
    french, verbs = "Languages::French", "Languages::French::Verbs"
    _add(
        col,
        sample,
        "basic",
        "Basic",
        ['chat <img src="cat.png">', "cat"],
        french,
        ["animal", "fr::noun"],
    )
    _add(
        col,
        sample,
        "reversed",
        "Basic (and reversed card)",
        ["manger", "to eat [sound:miaou.mp3]"],
        verbs,
        ["verb"],
    )
    _add(
        col,
        sample,
        "optional",
        "Basic (optional reversed card)",
        ["boire", "to drink", "y"],
        verbs,
        [],
    )
    _add(
        col,
        sample,
        "optional_off",
        "Basic (optional reversed card)",
        ["dormir", "to sleep", ""],
        verbs,
        [],
    )
    _add(col, sample, "typein", "Basic (type in the answer)", ["rouge", "red"], french, ["colour"])
    _add(
        col,
        sample,
        "cloze",
        "Cloze",
        ["Le {{c1::chat}} mange la {{c2::souris}}", "extra"],
        french,
        [],
    )
    _add(
        col, sample, "custom", "Vocab", ["pomme", "apple", "une pomme rouge"], "Default", ["fruit"]
    )
    _study(col, sample)
    sample.crt = col.crt
    sample.revlog = [
        tuple(r) for r in col.db.all("SELECT id, cid, ease, ivl, time, type FROM revlog")
    ]
    for row in col.db.all("SELECT id, type, queue, due, ivl, reps, lapses, data FROM cards"):
        sample.card_rows[row[0]] = tuple(row[1:])
    return col, sample


def _study(col: Any, sample: AnkiSample) -> None:
    _answer(col, sample.card_of["basic/0"], 4)  # graduates: review card
    _answer(col, sample.card_of["reversed/0"], 1)  # again: learning card
    _answer(col, sample.card_of["typein/0"], 3)  # good: still learning
    _answer(col, sample.card_of["cloze/0"], 4)
    col.sched.suspend_cards([sample.card_of["cloze/1"]])
    col.sched.set_due_date([sample.card_of["custom/0"]], "5")  # a manual reschedule


def export_apkg(col: Any, target: Path, *, legacy: bool) -> Path:
    """Export the whole collection as an .apkg with scheduling and media."""
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        legacy=legacy, with_scheduling=True, with_media=True, with_deck_configs=True
    )
    col.export_anki_package(out_path=str(target), options=options, limit=None)
    return target


def export_colpkg(col: Any, target: Path, *, legacy: bool) -> Path:
    """Export the whole collection as a .colpkg (this closes the collection)."""
    col.export_collection_package(str(target), include_media=True, legacy=legacy)
    return target


def import_into_new_collection(package: Path, folder: Path) -> Any:
    """A fresh Anki collection with ``package`` imported into it (with scheduling)."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    col = open_collection(folder)
    options = ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package), options=options))
    return col


def media_files(col: Any) -> dict[str, bytes]:
    """Name -> bytes of every file in a collection's media folder."""
    folder = Path(col.media.dir())
    return {name: (folder / name).read_bytes() for name in os.listdir(folder)}


def history_of(package: Any, card: Any) -> list[Any]:
    """The rows of ``package.history`` (interchange HISTORY_COLUMNS) for one card, as records.

    Each row comes back as a ``ReviewRecord``-like tuple view: ``.rating``,
    ``.kind``, ``.duration_ms``, ``.scheduled_days``, ``.state_before``, ...
    """
    from collections import namedtuple

    from tokendeck.transfer.package import HISTORY_COLUMNS

    if package.history is None:
        return []
    row_type = namedtuple("HistoryRow", HISTORY_COLUMNS)  # type: ignore[misc]
    return [row_type(*row) for row in package.history.rows() if row[0] == card.key]
