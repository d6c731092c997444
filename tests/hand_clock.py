"""A clock the test moves by hand, for the web app and the terminal UI (both take a clock)."""

from __future__ import annotations

from datetime import datetime, timedelta


class Clock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        """Move the clock forward (``timedelta`` keywords: minutes=10, days=1, ...)."""
        self.now += timedelta(**delta)
