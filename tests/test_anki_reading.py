"""Reading packages that Anki itself exported (legacy and anki21b, .apkg and .colpkg)."""

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
    AnkiSample,
    build_sample,
    export_apkg,
    export_colpkg,
    history_of,
)

from tokendeck.formats.anki import read
from tokendeck.transfer.package import NoteRecord, Package

pytestmark = pytest.mark.anki

FORMATS = ["apkg-legacy", "apkg-latest", "colpkg-legacy", "colpkg-latest"]


@pytest.fixture(scope="module", params=FORMATS)
def exported(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[AnkiSample, Package, Path]:
    kind, version = request.param.split("-")
    folder = tmp_path_factory.mktemp(request.param)
    col, sample = build_sample(folder)
    target = folder / f"sample.{kind}"
    if kind == "apkg":
        export_apkg(col, target, legacy=version == "legacy")
        col.close()
    else:
        export_colpkg(col, target, legacy=version == "legacy")
    return sample, read(target, source=str(target)), target


def _note(package: Package, sample: AnkiSample, label: str) -> NoteRecord:
    guid = sample.guid_of[label]
    return next(n for n in package.notes if n.guid == guid)


def test_note_kinds_and_text(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    expect = {
        "basic": ("basic", 'chat <img src="cat.png">', "cat"),
        "reversed": ("basic_reversed", "manger", "to eat [sound:miaou.mp3]"),
        "optional": ("basic_reversed", "boire", "to drink"),
        "optional_off": ("basic", "dormir", "to sleep"),
        "typein": ("type_in", "rouge", "red"),
        "cloze": ("cloze", "Le {{c1::chat}} mange la {{c2::souris}}", "extra"),
        "custom": ("basic", "pomme", "apple<br>une pomme rouge"),
    }
    assert len(package.notes) == len(expect)
    for label, (kind, front, back) in expect.items():
        note = _note(package, sample, label)
        assert (note.kind, note.front, note.back) == (kind, front, back), label


def test_fields_are_kept_by_name(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    assert _note(package, sample, "custom").fields == {
        "Word": "pomme",
        "Meaning": "apple",
        "Example": "une pomme rouge",
    }
    assert _note(package, sample, "optional").fields["Add Reverse"] == "y"


def test_decks_subdecks_and_tags(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    names = [d.name for d in package.decks]
    assert {"Languages", "Languages::French", "Languages::French::Verbs", "Default"} <= set(names)
    assert _note(package, sample, "reversed").deck == "Languages::French::Verbs"
    assert _note(package, sample, "basic").deck == "Languages::French"
    assert _note(package, sample, "basic").tags == ["animal", "fr::noun"]
    options = next(d for d in package.decks if d.name == "Languages").options
    assert options["new_per_day"] == 20 and options["learning_steps"] == [60.0, 600.0]


def test_media_files_come_through(exported: tuple[AnkiSample, Package, Path]) -> None:
    _, package, _ = exported
    assert {m.name: m.data for m in package.media} == {
        "cat.png": IMAGE_BYTES,
        "miaou.mp3": SOUND_BYTES,
    }


def test_cards_and_their_ordinals(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    ordinals = {
        label: [c.ordinal for c in _note(package, sample, label).cards] for label in sample.guid_of
    }
    assert ordinals["reversed"] == [0, 1]
    assert ordinals["optional"] == [0, 1]
    assert ordinals["optional_off"] == [0]
    assert ordinals["cloze"] == [0, 1]


def test_scheduling_state(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    review = _note(package, sample, "basic").cards[0]
    ctype, queue, due, ivl, reps, _lapses, _data = sample.card_rows[sample.card_of["basic/0"]]
    assert (ctype, queue) == (2, 2)
    assert review.state == "review" and review.reps == reps == 1
    assert review.due == datetime.fromtimestamp(sample.crt, UTC) + timedelta(days=due)
    assert review.last_review is not None
    assert review.due - review.last_review >= timedelta(days=ivl - 1)
    learning = _note(package, sample, "reversed").cards[0]
    assert learning.state == "learning" and learning.step == 0  # Again: back to step 1 of 2
    assert _note(package, sample, "typein").cards[0].step == 1  # Good: on to step 2 of 2
    assert learning.due is not None and learning.due > learning.last_review  # type: ignore[operator]
    assert _note(package, sample, "reversed").cards[1].state == "new"
    suspended = _note(package, sample, "cloze").cards[1]
    assert suspended.suspended and suspended.state == "new"
    # No FSRS memory state in the file: left for the collection to rebuild.
    assert review.stability is None and review.difficulty is None


def test_review_history(exported: tuple[AnkiSample, Package, Path]) -> None:
    sample, package, _ = exported
    assert package.history is not None
    assert len(list(package.history.rows())) == package.history.count == len(sample.revlog)
    basic = history_of(package, _note(package, sample, "basic").cards[0])
    assert [(r.rating, r.kind, r.state_before) for r in basic] == [(4, "learn", "new")]
    assert isinstance(basic[0].reviewed_at_ms, int)
    again = history_of(package, _note(package, sample, "reversed").cards[0])
    assert [(r.rating, r.kind) for r in again] == [(1, "learn")]
    assert again[0].scheduled_days is not None and 0 < again[0].scheduled_days < 1
    manual = history_of(package, _note(package, sample, "custom").cards[0])
    assert [(r.rating, r.kind) for r in manual] == [(0, "manual")]
    assert _note(package, sample, "custom").cards[0].state == "review"


def test_history_file_lives_as_long_as_the_package(
    exported: tuple[AnkiSample, Package, Path],
) -> None:
    import gc

    _, _, path = exported
    package = read(path, source="x")
    assert package.history is not None
    file = package.history.path
    assert file.is_file()
    del package
    gc.collect()
    assert not file.exists()


def test_bytes_and_path_give_the_same_package(exported: tuple[AnkiSample, Package, Path]) -> None:
    _, package, path = exported
    again = read(path.read_bytes(), source="upload")
    assert again.notes == package.notes
    assert again.source == "upload"


def test_fsrs_memory_state_is_read_from_card_data(tmp_path: Path) -> None:
    col, sample = build_sample(tmp_path, fsrs=True)
    target = export_apkg(col, tmp_path / "fsrs.apkg", legacy=False)
    col.close()
    package = read(target, source="fsrs.apkg")
    card = _note(package, sample, "basic").cards[0]
    data: dict[str, Any] = json.loads(sample.card_rows[sample.card_of["basic/0"]][-1])
    assert card.stability == pytest.approx(data["s"], rel=1e-5)
    assert card.difficulty == pytest.approx(data["d"], rel=1e-5)


def test_read_options_add_tags(exported: tuple[AnkiSample, Package, Path]) -> None:
    from tokendeck.formats.options import ReadOptions

    sample, _, path = exported
    package = read(path, source="x", options=ReadOptions(tags=("from-anki", "animal")))
    assert _note(package, sample, "basic").tags == ["animal", "fr::noun", "from-anki"]
    assert all("from-anki" in n.tags for n in package.notes)
