"""Helpers shared by the terminal Learn / Test mode tests (tests/test_tui_*.py).

A small deck of term cards in a real collection in tmp_path, graded lexically
(the embedding model is loaded only where meaning is tested), and a driver
that runs the Textual app headless with a clock the test controls.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hand_clock import Clock as HandClock
from textual.pilot import Pilot
from textual.screen import Screen

from tokendeck.collection import Collection
from tokendeck.domain.attempts import LoggedAttempt
from tokendeck.grading import Grader
from tokendeck.quiz.formats import Question
from tokendeck.tui.app import StudyApp
from tokendeck.tui.learn import AskScreen, LearnScreen
from tokendeck.tui.session import Summary
from tokendeck.tui.widgets import StatusLine

FIXED = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
DECK = "Models"

#: Term cards with one defining sentence each: enough neighbours for every format.
TERMS = [
    ("CLIP", "A model that learns a shared embedding of images and text from image-caption pairs."),
    ("GLIDE", "A text-guided diffusion model from OpenAI that generates images from captions."),
    ("Imagen", "A text-guided diffusion model from Google that generates images from captions."),
    ("GPT-J", "A six billion parameter open-source language model from EleutherAI."),
    ("The Pile", "An 825 GiB open-source dataset of English text built by EleutherAI."),
    ("Tokenizer", "A program that splits text into tokens, the units a language model reads."),
    ("ViT", "A Transformer that classifies images from sequences of square patches."),
]


class Clock(HandClock):
    """The hand-moved clock, starting at :data:`FIXED` unless told otherwise."""

    def __init__(self, start: datetime = FIXED) -> None:
        super().__init__(start)


@pytest.fixture
def col(location: str | Path) -> Iterator[Collection]:
    """A seven-card deck, UTC, graded lexically (no model load)."""
    collection = Collection.open(location, now=FIXED, install_builtin=False)
    collection.update_settings(timezone="UTC")
    collection.use_grader(Grader(use_embeddings=False))
    for front, back in TERMS:
        collection.add_note(DECK, front, back, now=FIXED)
    yield collection
    collection.close()


Script = Callable[[Pilot[Summary], Screen[Any]], Awaitable[None]]


def drive(app: StudyApp, script: Script, *, size: tuple[int, int] = (80, 24)) -> Summary | None:
    """Run the app headless, let ``script`` press keys, and return what the app returned."""

    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            for _ in range(400):  # Learn mode asks its first question after the first frame
                if not isinstance(app.screen, LearnScreen) or app.screen.ready:
                    break
                await pilot.pause(0.05)
            await script(pilot, app.screen)

    asyncio.run(run())
    return app.return_value


def learn_app(col: Collection, *formats: str, clock: Clock | None = None) -> StudyApp:
    return StudyApp(
        col, deck=DECK, clock=clock or Clock(), mode="learn", rng=random.Random(3), formats=formats
    )


def asked(screen: Screen[Any]) -> Question:
    assert isinstance(screen, LearnScreen | AskScreen), screen
    assert screen.question is not None and screen.phase == "asking", "expected a question"
    return screen.question


def attempts(col: Collection) -> list[LoggedAttempt]:
    return col.attempts()


def card_named(col: Collection, front: str) -> int:
    return next(v.id for v in col.find_cards(now=FIXED, deck=DECK) if v.note.front == front)


def term_of(col: Collection, card_id: int) -> str:
    return col.card(card_id).note.front


def definition_of(col: Collection, card_id: int) -> str:
    return col.card(card_id).note.back


def status(screen: Screen[Any]) -> str:
    return str(screen.query_one(StatusLine).render())


def right_keys(question: Question, col: Collection) -> list[str]:
    """The keys that answer a question correctly."""
    if question.format == "true_false":
        return ["t" if question.truth else "f"]
    if question.typed:
        return [*definition_of(col, question.card_id), "enter"]
    return [str((question.correct or 0) + 1)]
