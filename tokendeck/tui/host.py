"""What the screens need from the app that shows them: the study session's shared state.

The screens (study, Learn, Test) read the collection, the clock, the random
source and the session from the app. They name that through this protocol
instead of importing the app module, which imports them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol, cast

from tokendeck.tui.session import Session

if TYPE_CHECKING:
    from textual.app import App

    from tokendeck.collection import Collection
    from tokendeck.quiz.practice_test import TestScore


class StudyHost(Protocol):
    """The shared state of one full-screen session (:class:`tokendeck.tui.app.StudyApp`)."""

    col: Collection
    deck: str | None
    #: "study" (today's cards) or "custom" (the deck's custom study session)
    study_session: str
    clock: Callable[[], datetime]
    rng: random.Random
    session: Session
    test_score: TestScore | None

    @property
    def deck_title(self) -> str:
        """What the header calls the deck being studied."""
        ...


def host_of(app: App[object]) -> StudyHost:
    """The app a screen runs in, as the study session it belongs to."""
    return cast(StudyHost, app)
