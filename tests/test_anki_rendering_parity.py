"""Every card of every deck in tests/data/anki-decks renders as Anki renders it.

For each deck, Anki's own ``anki`` package imports the file and renders every
card (``card.question()``/``card.answer()``); TokenDeck reads the same file
into the neutral form and renders each card with ``tokendeck.rendering``. Both
are reduced to what the learner sees (words, images, sounds, formulas: see
tests/anki_parity.py) and compared. At least 98% of each deck's cards must
match; the known differences are listed in KNOWN.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.anki_fixtures import import_into_new_collection
from tests.anki_parity import anki_sides, shown
from tokendeck.builtin.deck import load_builtin
from tokendeck.formats.anki import read
from tokendeck.rendering import CardInfo, MediaAccess, RenderedCard, render_card
from tokendeck.transfer.package import Package

pytestmark = pytest.mark.anki

DECKS = Path(__file__).parent / "data" / "anki-decks"
DECK_NAMES = sorted(p.name for p in DECKS.iterdir() if (p / "deck.apkg").exists())

#: When the collection tests import (a fixed instant, so runs are repeatable).
NOW = "2026-11-27T15:00:00Z"

#: Cards known to differ from Anki's rendering, by deck: (note guid, ord) -> why.
KNOWN: dict[str, dict[tuple[str, int], str]] = {}


@dataclass
class Comparison:
    """The outcome for one deck."""

    cards: int = 0
    matched: int = 0
    differences: dict[tuple[str, int], list[str]] = field(default_factory=dict)


def our_cards(package: Package) -> Iterator[tuple[tuple[str, int], RenderedCard]]:
    """Every card of the package, rendered by us, keyed by (note guid, ord)."""
    names = {m.name for m in package.media}
    access = MediaAccess(exists=names.__contains__)
    for note in package.notes:
        note_type = package.note_type(note.note_type)
        assert note_type is not None, f"note {note.guid} lost its note type"
        for card in note.cards:
            info = CardInfo(tags=note.tags, deck=card.deck or note.deck)
            rendered = render_card(note_type, note.fields, card.ordinal, info=info, access=access)
            yield (note.guid or "", card.ordinal), rendered


def anki_cards(path: Path, folder: Path) -> dict[tuple[str, int], tuple[str, str, Any]]:
    """Every card as Anki renders it, keyed by (note guid, ord)."""
    col = import_into_new_collection(path, folder)
    try:
        notice = col.tr.preferences_latex_generation_disabled()
        rendered = {}
        for card_id in col.find_cards(""):
            card = col.get_card(card_id)
            question, answer, sounds = anki_sides(card, [notice])
            rendered[(card.note().guid, card.ord)] = (question, answer, sounds)
        return rendered
    finally:
        col.close()


def compare(name: str, tmp_path: Path, path: Path | None = None) -> Comparison:
    """Render one deck (or ``path``, another file of it) both ways and compare every card."""
    path = path or DECKS / name / "deck.apkg"
    package = read(path, source=str(path))
    latex_images = {m.name for m in package.media if m.name.startswith("latex-")}
    theirs = anki_cards(path, tmp_path / "anki")
    return _compare(dict(our_cards(package)), theirs, latex_images)


def collection_cards(path: Path, folder: Path) -> dict[tuple[str, int], RenderedCard]:
    """Every card as the whole app shows it: the file imported into a TokenDeck
    collection, then ``tokendeck cards --json --render``."""
    from click.testing import CliRunner

    from tokendeck.cli import cli

    db = folder / "tokendeck.db"
    runner = CliRunner()
    for args in (["import", str(path)], ["cards", "--json", "--render"]):
        done = runner.invoke(cli, ["--db", str(db), "--now", NOW, *args], catch_exceptions=False)
        assert done.exit_code == 0, done.output
    rows = json.loads(done.stdout)
    builtin = {n.guid for n in load_builtin().package.notes}  # installed into the new file
    return {
        (row["note_guid"], row["ord"]): RenderedCard(row["question_html"], row["answer_html"])
        for row in rows
        if row["note_guid"] not in builtin
    }


def compare_through_collection(name: str, tmp_path: Path) -> Comparison:
    """One deck imported into a collection and rendered by the CLI, compared with Anki."""
    path = DECKS / name / "deck.apkg"
    package = read(path, source=str(path))
    latex_images = {m.name for m in package.media if m.name.startswith("latex-")}
    ours = collection_cards(path, tmp_path / "tokendeck")
    return _compare(ours, anki_cards(path, tmp_path / "anki"), latex_images)


def _compare(
    ours: dict[tuple[str, int], RenderedCard],
    theirs: dict[tuple[str, int], tuple[str, str, Any]],
    latex_images: set[str],
) -> Comparison:
    result = Comparison()
    for key in sorted(set(ours) | set(theirs)):
        result.cards += 1
        if key not in ours or key not in theirs:
            side = "TokenDeck" if key not in ours else "Anki"
            result.differences[key] = [f"card missing from {side}"]
            continue
        question, answer, sounds = theirs[key]
        found: list[str] = []
        for label, anki_html, our_html in (
            ("question", question, ours[key].question_html),
            ("answer", answer, ours[key].answer_html),
        ):
            expected = shown(anki_html, ours=False, latex_images=latex_images, sounds=sounds)
            actual = shown(our_html, ours=True, latex_images=latex_images, sounds=sounds)
            found += [f"{label}: {d}" for d in actual.differences(expected)]
        if found:
            result.differences[key] = found
        else:
            result.matched += 1
    return result


def _check(name: str, result: Comparison) -> None:
    unexplained = {k: v for k, v in result.differences.items() if k not in KNOWN.get(name, {})}
    report = "\n".join(f"{k}: {'; '.join(v)}" for k, v in list(unexplained.items())[:10])
    assert result.cards > 0
    assert result.matched / result.cards >= 0.98, (
        f"{name}: {result.matched}/{result.cards} cards match Anki\n{report}"
    )
    assert not unexplained, f"{name}: cards differ from Anki:\n{report}"


@pytest.mark.parametrize("name", DECK_NAMES)
def test_cards_render_as_in_anki(name: str, tmp_path: Path) -> None:
    _check(name, compare(name, tmp_path))


@pytest.mark.parametrize("name", DECK_NAMES)
def test_cards_render_as_in_anki_through_the_whole_app(name: str, tmp_path: Path) -> None:
    # Issue 11's measure: import -> collection -> `tokendeck cards --json --render`.
    result = compare_through_collection(name, tmp_path)
    print(f"{name}: {result.matched}/{result.cards} cards show what Anki shows")
    _check(name, result)


def test_every_deck_keeps_its_licence_and_source() -> None:
    assert len(DECK_NAMES) >= 5
    for name in DECK_NAMES:
        folder = DECKS / name
        assert any(folder.glob("LICENSE*")), f"{name} has no licence"
        assert (folder / "README.md").read_text().strip(), f"{name} has no README"
        assert (folder / "deck.apkg").stat().st_size < 2_000_000, f"{name} is over 2 MB"


@pytest.mark.parametrize("legacy", [True, False])
def test_stock_note_types_render_as_in_anki(tmp_path: Path, legacy: bool) -> None:
    from tests.anki_fixtures import build_sample, export_apkg

    col, _sample = build_sample(tmp_path / "sample")
    path = export_apkg(col, tmp_path / "sample.apkg", legacy=legacy)
    col.close()
    result = compare("sample", tmp_path / "compare", path)
    assert result.cards == 10
    assert result.matched == result.cards, result.differences
