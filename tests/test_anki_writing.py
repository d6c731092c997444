"""Exported .apkg files, checked by importing them with Anki's own code."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("anki")

from anki_fixtures import (
    IMAGE_BYTES,
    SOUND_BYTES,
    build_sample,
    export_apkg,
    history_of,
    import_into_new_collection,
    media_files,
)

from tokendeck.formats.anki import read, to_bytes, write
from tokendeck.transfer.package import (
    CardRecord,
    DeckRecord,
    MediaFile,
    NoteRecord,
    Package,
    ReviewRecord,
)

pytestmark = pytest.mark.anki

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
#: Review due dates are whole Anki days, which start at the 04:00 rollover.
ANKI_DAY_START = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
LAST_REVIEW = T0 + timedelta(days=1, minutes=10)


def _card_table(col: Any) -> dict[str, list[tuple[Any, ...]]]:
    """note guid -> [(ord, deck, type, queue, reps, lapses)] from an Anki collection."""
    rows = col.db.all(
        "SELECT n.guid, c.ord, c.did, c.type, c.queue, c.reps, c.lapses FROM cards c"
        " JOIN notes n ON n.id = c.nid ORDER BY n.guid, c.ord"
    )
    table: dict[str, list[tuple[Any, ...]]] = {}
    for guid, ord_, did, ctype, queue, reps, lapses in rows:
        table.setdefault(guid, []).append((ord_, col.decks.name(did), ctype, queue, reps, lapses))
    return table


def _notes(col: Any) -> dict[str, tuple[list[str], list[str]]]:
    notes = {}
    for nid in col.find_notes(""):
        note = col.get_note(nid)
        notes[note.guid] = (list(note.fields), sorted(note.tags))
    return notes


def _revlog(col: Any) -> list[tuple[Any, ...]]:
    rows = col.db.all(
        "SELECT n.guid, c.ord, r.id, r.ease, r.type, r.time FROM revlog r"
        " JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid ORDER BY r.id"
    )
    return [tuple(r) for r in rows]


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    """(Anki's original collection, a fresh Anki collection that imported our export of it)."""
    folder = tmp_path_factory.mktemp("roundtrip")
    original, _ = build_sample(folder)
    package = read(export_apkg(original, folder / "anki.apkg", legacy=False), source="anki.apkg")
    ours = folder / "ours.apkg"
    write(package, ours)
    return original, import_into_new_collection(ours, folder / "imported")


def test_notes_fields_and_tags_survive(round_trip: tuple[Any, Any]) -> None:
    original, imported = round_trip
    assert _notes(imported) == _notes(original)


def test_cards_decks_and_states_survive(round_trip: tuple[Any, Any]) -> None:
    original, imported = round_trip
    assert _card_table(imported) == _card_table(original)


def test_review_history_survives(round_trip: tuple[Any, Any]) -> None:
    original, imported = round_trip
    assert _revlog(imported) == _revlog(original)
    assert len(_revlog(imported)) == 5


def test_media_survives(round_trip: tuple[Any, Any]) -> None:
    _, imported = round_trip
    assert media_files(imported) == {"cat.png": IMAGE_BYTES, "miaou.mp3": SOUND_BYTES}


def test_review_due_dates_survive(round_trip: tuple[Any, Any]) -> None:
    original, imported = round_trip
    sql = (
        "SELECT n.guid, c.ord, c.due, c.ivl FROM cards c JOIN notes n ON n.id = c.nid"
        " WHERE c.type = 2"
    )

    def absolute(col: Any) -> set[tuple[Any, ...]]:
        today = col.sched.today
        return {(g, o, due - today, ivl) for g, o, due, ivl in col.db.all(sql)}

    assert absolute(imported) == absolute(original)
    assert len(absolute(imported)) == 3


def _package() -> Package:
    history = [
        ReviewRecord(reviewed_at=T0, rating=3, duration_ms=4200, kind="learn", scheduled_days=1),
        ReviewRecord(
            reviewed_at=T0 + timedelta(days=1),
            rating=1,
            duration_ms=9000,
            kind="review",
            scheduled_days=1,
        ),
        ReviewRecord(
            reviewed_at=T0 + timedelta(days=1, minutes=10),
            rating=3,
            kind="relearn",
            scheduled_days=3,
        ),
        ReviewRecord(reviewed_at=T0 + timedelta(days=4), rating=0, kind="manual", scheduled_days=7),
    ]
    reviewed = CardRecord(
        state="review",
        due=T0 + timedelta(days=11),
        last_review=LAST_REVIEW,
        stability=7.5,
        difficulty=6.25,
        reps=3,
        lapses=1,
        reviews=history,
    )
    learning = CardRecord(
        ordinal=1,
        state="learning",
        due=T0 + timedelta(minutes=10),
        last_review=T0,
        reps=1,
        deck="Other",
    )
    return Package(
        notes=[
            NoteRecord(
                "hund",
                "dog",
                deck="German::Nouns",
                kind="basic_reversed",
                guid="g-dog",
                tags=["animal", "a1"],
                cards=[reviewed, learning],
            ),
            NoteRecord("Der {{c1::Hund}} {{c3::bellt}}", "note", deck="German", kind="cloze"),
            NoteRecord("rot", "red", kind="type_in", tags=["colour"]),
            NoteRecord(
                '<img src="k.png"> Katze',
                "cat",
                deck="German::Nouns",
                cards=[CardRecord(state="new", suspended=True)],
            ),
        ],
        decks=[
            DeckRecord("German", "Deutsch lernen", {"new_per_day": 7, "learning_steps": [120.0]})
        ],
        media=[MediaFile("k.png", b"kitten")],
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("handmade")
    target = folder / "tokendeck.apkg"
    write(_package(), target)
    return import_into_new_collection(target, folder / "anki")


def test_handmade_package_notes(exported: Any) -> None:
    notes = _notes(exported)
    assert notes["g-dog"] == (["hund", "dog"], ["a1", "animal"])
    # Anki appends "+" to an imported note type whose name its stock one already has.
    types = {exported.get_note(n).note_type()["name"].rstrip("+") for n in exported.find_notes("")}
    assert types == {"Basic (and reversed card)", "Cloze", "Basic (type in the answer)", "Basic"}
    assert sorted(exported.decks.all_names()) == ["Default", "German", "German::Nouns", "Other"]
    assert exported.decks.by_name("German")["desc"] == "Deutsch lernen"


def test_handmade_package_cards(exported: Any) -> None:
    table = _card_table(exported)
    assert table["g-dog"] == [(0, "German::Nouns", 2, 2, 3, 1), (1, "Other", 1, 1, 1, 0)]
    cloze = next(v for g, v in table.items() if v[0][1] == "German")
    assert [c[0] for c in cloze] == [0, 2]  # c1 and c3
    suspended = [c for cards in table.values() for c in cards if c[3] == -1]
    assert len(suspended) == 1


def test_handmade_package_schedule_and_memory(exported: Any) -> None:
    due, ivl, data = exported.db.first(
        "SELECT c.due, c.ivl, c.data FROM cards c JOIN notes n ON n.id = c.nid"
        " WHERE n.guid = 'g-dog' AND c.ord = 0"
    )
    assert ivl == 10  # whole Anki days from the last real review to the due day
    days_from_today = due - exported.sched.today
    expected = (T0 + timedelta(days=11)).date() - datetime.now(UTC).date()
    assert abs(days_from_today - expected.days) <= 1  # day rollover is local-time based
    memory = json.loads(data)
    assert memory["s"] == pytest.approx(7.5) and memory["d"] == pytest.approx(6.25)


def test_handmade_package_history(exported: Any) -> None:
    rows = _revlog(exported)
    assert [(r[3], r[4]) for r in rows] == [(3, 0), (1, 1), (3, 2), (0, 4)]
    assert rows[0][2] == int(T0.timestamp() * 1000)
    assert rows[0][5] == 4200


def test_anki_check_database_finds_nothing_to_fix(exported: Any) -> None:
    message, _changed = exported.fix_integrity()
    assert message.splitlines() == ["Database rebuilt and optimized."]


def test_handmade_package_media(exported: Any) -> None:
    assert media_files(exported) == {"k.png": b"kitten"}


def test_our_reader_reads_our_writer() -> None:
    original = _package()
    again = read(to_bytes(original), source="x.apkg")
    assert [(n.front, n.back, n.kind, n.deck, n.tags) for n in again.notes] == [
        (n.front, n.back, n.kind, n.deck, n.tags) for n in original.notes
    ]
    dog = again.notes[0].cards[0]
    assert (dog.state, dog.due, dog.last_review, dog.stability, dog.difficulty) == (
        "review", ANKI_DAY_START + timedelta(days=11), LAST_REVIEW, 7.5, 6.25,
    )  # fmt: skip
    kinds = [(r.rating, r.kind, r.duration_ms) for r in history_of(again, dog)]
    assert kinds == [(3, "learn", 4200), (1, "review", 9000), (3, "relearn", 0), (0, "manual", 0)]
    assert again.notes[0].cards[1].deck == "Other"
    assert next(d for d in again.decks if d.name == "German").options["new_per_day"] == 7
    assert [(m.name, m.data) for m in again.media] == [("k.png", b"kitten")]


def test_export_is_reproducible() -> None:
    assert to_bytes(_package()) == to_bytes(_package())


def test_custom_fields_are_exported_as_their_own_note_type(tmp_path: Path) -> None:
    note = NoteRecord(
        "pomme",
        "apple<br>une pomme",
        fields={"Word": "pomme", "Meaning": "apple", "Example": "une pomme"},
    )
    target = tmp_path / "custom.apkg"
    write(Package(notes=[note]), target)
    col = import_into_new_collection(target, tmp_path / "anki")
    imported = col.get_note(col.find_notes("")[0])
    assert [f["name"] for f in imported.note_type()["flds"]] == ["Word", "Meaning", "Example"]
    assert list(imported.fields) == ["pomme", "apple", "une pomme"]


def test_reimporting_an_export_reuses_its_note_types(tmp_path: Path) -> None:
    first, second = tmp_path / "1.apkg", tmp_path / "2.apkg"
    write(Package(notes=[NoteRecord("a", "b", kind="cloze"), NoteRecord("c", "d")]), first)
    write(
        Package(notes=[NoteRecord("e", "f"), NoteRecord("g {{c1::h}}", "", kind="cloze")]), second
    )
    col = import_into_new_collection(first, tmp_path / "anki")
    before = sorted(m["name"] for m in col.models.all())
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    options = ImportAnkiPackageOptions(with_scheduling=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(second), options=options))
    assert sorted(m["name"] for m in col.models.all()) == before
    assert col.note_count() == 4
