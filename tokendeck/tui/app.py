"""The Textual app behind ``tokendeck study``.

It holds the collection, the deck being studied, the clock and the session
record; :class:`~tokendeck.tui.screen.StudyScreen` does the studying. When the
app exits, :meth:`StudyApp.run` returns the session :class:`Summary`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.screen import Screen

from tokendeck.collection import Collection
from tokendeck.errors import ValidationError
from tokendeck.tui.screen import StudyScreen
from tokendeck.tui.session import Session, Summary

if TYPE_CHECKING:
    from tokendeck.quiz.practice_test import PracticeTest, TestScore

#: Textual's built-in themes the tests render; any Textual theme name works.
LIGHT_THEME = "textual-light"
DARK_THEME = "textual-dark"


class StudyApp(App[Summary]):
    """Full-screen study session over one deck (or all decks)."""

    TITLE = "TokenDeck"

    def __init__(
        self,
        col: Collection,
        *,
        deck: str | None = None,
        clock: Callable[[], datetime] | None = None,
        theme: str | None = None,
        mode: str = "study",
        rng: random.Random | None = None,
        formats: Sequence[str] = (),
        limit: int | None = None,
        test: PracticeTest | None = None,
        record: bool = True,
        session: str = "study",
    ) -> None:
        super().__init__()
        self.col = col
        self.deck = deck
        self.study_session = session  # "study" (today's cards) or "custom" (the deck's session)
        self.clock = clock or _wall_clock
        self.mode = mode  # "study" (flip cards), "learn" (question formats) or "test"
        self.rng = rng or random.Random()  # question formats and options
        self.formats = tuple(formats)  # Learn mode restricted to these, if any
        self.limit = limit  # Learn mode asks at most this many questions
        self.test = test  # the practice test of mode "test"
        self.record = record  # whether a practice test's answers feed the schedule
        self.test_score: TestScore | None = None  # set when the practice test is marked
        self.session = Session(started=self.clock())
        if theme is not None:
            self._use_theme(theme)

    def _use_theme(self, name: str) -> None:
        if name not in self.available_themes:
            themes = ", ".join(sorted(self.available_themes))
            raise ValidationError(f"no theme {name!r}", hint=f"themes: {themes}")
        self.theme = name

    @property
    def deck_title(self) -> str:
        """What the header calls the deck being studied."""
        title = self.deck or "All decks"
        return f"{title} (custom study)" if self.study_session == "custom" else title

    def get_default_screen(self) -> Screen[Any]:
        if self.mode == "test" and self.test is not None:
            from tokendeck.tui.practice import PracticeScreen

            return PracticeScreen(self.test, record=self.record)
        if self.mode == "learn":
            from tokendeck.tui.learn import LearnScreen

            return LearnScreen(self.formats, limit=self.limit)
        return StudyScreen()

    async def action_quit(self) -> None:
        """Leave, handing the session summary to whoever ran the app (q or Ctrl+Q)."""
        self.exit(self.session.summary(self.clock()))


def _wall_clock() -> datetime:
    from tokendeck import clock

    return clock.now()
