"""Anki decks in the terminal (issue 11): readable text, maths in Unicode, images named,
macro definitions hidden, and a note from Anki edited by its fields."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea
from tui_fixtures import FIXED, Clock

from tokendeck.collection import Collection
from tokendeck.formats.anki import read
from tokendeck.tui.app import StudyApp
from tokendeck.tui.edit import FieldsEditScreen
from tokendeck.tui.screen import StudyScreen
from tokendeck.tui.session import Summary

DECKS = Path(__file__).parent / "data" / "anki-decks"


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "c.db", now=FIXED, install_builtin=False)
    collection.update_settings(timezone="UTC")
    for name in ("anki-features", "algebra"):
        deck = DECKS / name / "deck.apkg"
        collection.import_package(read(deck, source=str(deck)), now=FIXED)
    yield collection
    collection.close()


def drive(app: StudyApp, script: Callable[[Pilot[Summary], StudyScreen], Awaitable[None]]) -> None:
    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, StudyScreen)
            await script(pilot, screen)

    asyncio.run(run())


def screen_text(pilot: Pilot[Summary]) -> str:
    return html.unescape(pilot.app.export_screenshot()).replace("\xa0", " ")


def test_maths_with_macros_reads_as_unicode_and_hides_the_definitions(col: Collection) -> None:
    view = next(v for v in col.find_cards("Var", now=FIXED) if "\\Var" in str(v.note.fields))
    assert "𝔼" in view.front + view.back and "\\newcommand" not in view.front + view.back

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await screen.show(col.card(view.id), FIXED, revealed=True)
        await pilot.pause()
        text = screen_text(pilot)
        assert "𝔼" in text and "Var" in text
        assert "newcommand" not in text and "\\(" not in text and "\\E" not in text

    drive(StudyApp(col, clock=Clock()), script)


def test_images_are_named_in_the_terminal(col: Collection) -> None:
    view = next(
        v for v in col.find_cards(now=FIXED, deck="Algebra") if "<img" in v.face.answer_html
    )
    assert "[image: " in view.back

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await screen.show(col.card(view.id), FIXED, revealed=True)
        await pilot.pause()
        assert "[image: " in screen_text(pilot)

    drive(StudyApp(col, clock=Clock()), script)


def test_a_note_from_anki_is_edited_by_its_fields(col: Collection) -> None:
    view = next(v for v in col.find_cards(now=FIXED, deck="Algebra"))
    shown = list(view.note.fields).index("Problem")  # the field the question shows

    async def script(pilot: Pilot[Summary], screen: StudyScreen) -> None:
        await screen.show(col.card(view.id), FIXED, revealed=False)
        await pilot.press("e")
        dialog = pilot.app.screen
        assert isinstance(dialog, FieldsEditScreen)
        assert len(dialog.query(TextArea)) == len(view.note.fields)
        dialog.query(TextArea)[shown].text = "Edited in the terminal"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert pilot.app.screen is screen
        assert screen.current is not None and "Edited in the terminal" in screen.current.front

    drive(StudyApp(col, clock=Clock()), script)
    note = col.note(view.note.id)
    assert note.fields["Problem"] == "Edited in the terminal"
    assert note.fields["Chapter"] == view.note.fields["Chapter"]  # the others as they were
