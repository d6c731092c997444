"""The terminal's other ways in: t and r in the study screen, Test mode, the command line.

Real collection, real keys through the pilot, a clock the test controls; the
collection is checked afterwards (see tests/tui_fixtures.py).
"""

# ruff: noqa: F811  (fixtures imported from tui_fixtures)
from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from tui_fixtures import (  # noqa: F401
    DECK,
    FIXED,
    TERMS,
    Clock,
    asked,
    attempts,
    col,
    definition_of,
    drive,
    right_keys,
    status,
)

from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating
from tokendeck.errors import TokenDeckError
from tokendeck.tui.app import StudyApp
from tokendeck.tui.learn import AskScreen
from tokendeck.tui.related import RelatedScreen
from tokendeck.tui.screen import StudyScreen
from tokendeck.tui.session import Summary
from tokendeck.tui.widgets import KeyHints

# -- the study screen: t and r -------------------------------------------------------------


def test_t_in_the_study_screen_asks_the_card_typed(col: Collection) -> None:
    shown: list[int] = []

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen) and screen.current is not None
        shown.append(screen.current.id)
        await pilot.press("t")
        ask = pilot.app.screen
        assert isinstance(ask, AskScreen) and asked(ask).format == "typed"
        await pilot.press(*definition_of(col, shown[0]), "enter", "enter")
        assert pilot.app.screen is screen and isinstance(screen, StudyScreen)
        assert screen.current is not None and screen.current.id != shown[0]
        assert "Typed: Easy, next in" in status(screen)
        await pilot.press("u")
        assert screen.current is not None and screen.current.id == shown[0]

    drive(StudyApp(col, clock=Clock()), script)
    assert col.history(shown[0]) == [], "undone"
    assert attempts(col) == [], "the attempt goes with its review"


def test_t_then_escape_goes_back_to_the_card_unanswered(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen) and screen.current is not None
        first = screen.current.id
        await pilot.press("t", "escape", "escape")
        assert pilot.app.screen is screen and isinstance(screen, StudyScreen)
        assert screen.current is not None and screen.current.id == first
        await pilot.press("t", *"tokens", "enter", "1")
        assert pilot.app.screen is screen

    drive(StudyApp(col, clock=Clock()), script)
    [logged] = attempts(col)
    assert logged.attempt.format == "typed" and logged.rating == Rating.AGAIN
    assert logged.attempt.answer == "tokens"


def test_r_in_the_study_screen_lists_related_cards(col: Collection) -> None:
    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert isinstance(screen, StudyScreen)
        hints = str(screen.query_one(KeyHints).render())
        assert "Type" in hints and "Related" in hints
        await pilot.press("r")
        assert isinstance(pilot.app.screen, RelatedScreen)
        await pilot.press("r")
        assert pilot.app.screen is screen

    drive(StudyApp(col, clock=Clock()), script)


# -- Test mode -------------------------------------------------------------------------------


def test_a_practice_test_is_scored_at_the_end_and_recorded(col: Collection) -> None:
    test = col.practice_test(
        DECK, now=FIXED, rng=random.Random(5), count=3,
        formats=("multiple_choice", "true_false", "typed"),
    )  # fmt: skip
    assert [q.format for q in test.questions] == ["multiple_choice", "true_false", "typed"]

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        assert "question 1 of 3" in str(screen.query_one("#test-head").render())
        for question in test.questions:
            await pilot.press(*right_keys(question, col))
        assert "Score: 3 / 3 (100%)" in str(screen.query_one("#score").render())
        assert "Recorded 3 answers" in status(screen)
        await pilot.press("q")

    app = StudyApp(col, deck=DECK, clock=Clock(), mode="test", test=test)
    summary = drive(app, script)
    assert app.test_score is not None and app.test_score.percent == 100.0
    logged = attempts(col)
    assert [a.attempt.format for a in logged] == ["multiple_choice", "true_false", "typed"]
    assert summary is not None and summary.answers == 3


def test_a_skipped_question_counts_as_wrong_and_no_record_leaves_the_schedule(
    col: Collection,
) -> None:
    test = col.practice_test(
        DECK, now=FIXED, rng=random.Random(5), count=2, formats=("multiple_choice",)
    )

    async def script(pilot: Pilot[Summary], screen: Screen[Any]) -> None:
        await pilot.press("s", *right_keys(test.questions[1], col))
        score = str(screen.query_one("#score").render())
        assert "Score: 1 / 2 (50%)" in score
        assert "Expected:" in pilot.app.export_screenshot()

    app = StudyApp(col, deck=DECK, clock=Clock(), mode="test", test=test, record=False)
    drive(app, script)
    assert attempts(col) == [] and list(col.reviews()) == []


# -- the command line: the prompt path stays for scripts -----------------------------------


def test_learn_piped_asks_at_prompts_in_the_chosen_format(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from tokendeck.cli import cli

    db = tmp_path / "p.db"
    with Collection.open(db, now=FIXED, install_builtin=False) as setup:
        setup.add_note(DECK, *TERMS[0], now=FIXED)
    args = ["--db", str(db), "--now", "2026-11-27T15:00:00Z", "learn", "-n", "1"]
    result = CliRunner().invoke(cli, [*args, "--formats", "typed"], input=f"{TERMS[0][1]}\n\n")
    assert result.exit_code == 0, result.output
    assert "[typed]" in result.output and "Studied 1 card." in result.output
    with Collection.open(db, now=FIXED) as after:
        [logged] = after.attempts()
    assert logged.attempt.format == "typed" and logged.attempt.verdict == "correct"
    bad = CliRunner().invoke(cli, [*args, "--formats", "essay"])
    assert isinstance(bad.exception, TokenDeckError)
    assert "unknown question format 'essay'" in str(bad.exception)
