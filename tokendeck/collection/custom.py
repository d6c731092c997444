"""Custom study, as Anki offers it when a deck is done for the day.

Two kinds raise today's limits of a deck (its subdecks share the extra):
``new`` (more new cards today) and ``reviews`` (more reviews today). Three
kinds make the deck's **custom session**, a stored list of cards studied
outside the daily limits: ``ahead`` (reviews due in the next N days),
``forgotten`` (cards answered Again in the last N days) and ``tag`` (cards with
any of some tags: new ones, due ones or all). A card leaves the session when an
answer takes it out of (re)learning, so the session ends when it is studied
through. Every answer still goes through the one answer path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.domain.cards import CardState
from tokendeck.domain.decks import Deck
from tokendeck.errors import ValidationError
from tokendeck.scheduling.queue import DayLog
from tokendeck.storage.rows import to_ms

#: The kinds of custom study, and the amount each takes when none is given.
CUSTOM_KINDS = {"new": 10, "reviews": 50, "ahead": 1, "forgotten": 1, "tag": 100}
#: What a "tag" session takes: new cards, cards due today, or every card.
TAG_STATES = ("new", "due", "all")
#: The most cards (or days) one custom study asks for.
MAX_AMOUNT = 9999


@dataclass(frozen=True, slots=True)
class CustomStudy:
    """What custom study did.

    ``cards``: the extra cards allowed today (``new``, ``reviews``), or the cards of
    the custom session made (the other kinds: study it as session "custom").
    """

    kind: str
    deck: str
    cards: int
    session: bool
    description: str


class CustomStudies:
    """Custom study: more new cards or reviews today, or a custom session of a deck."""

    def __init__(self, core: Core, decks: Decks, notes: Notes) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.notes = notes

    def create(
        self,
        deck: str | int,
        kind: str,
        *,
        now: datetime,
        amount: int | None = None,
        tags: Sequence[str] = (),
        state: str = "all",
    ) -> CustomStudy:
        """Raise today's limits (``new``, ``reviews``) or make the deck's custom session
        (``ahead``, ``forgotten``, ``tag``), replacing the one it had."""
        if kind not in CUSTOM_KINDS:
            raise ValidationError(
                f"unknown custom study {kind!r}", hint=f"use one of {', '.join(CUSTOM_KINDS)}"
            )
        count = CUSTOM_KINDS[kind] if amount is None else amount
        if not 1 <= count <= MAX_AMOUNT:
            raise ValidationError(
                f"{count} is out of range for custom study", hint=f"use 1 to {MAX_AMOUNT}"
            )
        home = self.decks.get(deck)
        if kind in ("new", "reviews"):
            given = self._extend(home, kind, count, now)
            what = "new cards" if kind == "new" else "reviews"
            text = f"{given} more {what} today in {home.name}"
            return CustomStudy(kind, home.name, given, False, text)
        chosen, text = self._choose(home, kind, count, tags, state, now)
        if not chosen:
            raise ValidationError(
                f"no cards of {home.name} match: {text}",
                hint="try more days, another tag, or another kind of custom study",
            )
        with self.store.transaction():
            self.store.study.start_custom(home.id, chosen, to_ms(now))
        self.core.forget()
        return CustomStudy(kind, home.name, len(chosen), True, f"{len(chosen)} {text}")

    def end(self, deck: str | int) -> None:
        """Forget a deck's custom session (its cards keep their schedules)."""
        home = self.decks.get(deck)
        with self.store.transaction():
            self.store.study.end_custom(home.id)
        self.core.forget()

    def size(self, deck: str | int) -> int:
        """How many cards the deck's custom session still holds."""
        return self.store.study.custom_size(self.decks.get(deck).id)

    # -- raising today's limits -----------------------------------------------------------
    def _extend(self, home: Deck, kind: str, count: int, now: datetime) -> int:
        """Share ``count`` extra cards among the deck and its subdecks, parent first, each
        taking what it has beyond today's limit; returns how many could be given."""
        calendar = self.core.calendar
        today = calendar.today(now).toordinal()
        end = to_ms(calendar.end_of_today(now))
        start = to_ms(calendar.start(calendar.today(now)))
        log = DayLog.from_answers(self.store.reviews.answered_since(start))
        new = kind == "new"
        state = CardState.NEW if new else CardState.REVIEW
        ids = set(self.decks.ids(home.id))
        extra = self.store.study.extensions(sorted(ids), today)
        left = count
        grants: list[tuple[int, int]] = []
        for each in (d for d in self.decks.all() if d.id in ids):
            own = extra.get(each.id, (0, 0))[0 if new else 1]
            limit = (each.config.new_per_day if new else each.config.reviews_per_day) + own
            done = (log.new_started if new else log.reviewed).get(each.id, 0)
            spare = self.store.study.available(each.id, state, today, end) - max(0, limit - done)
            give = min(max(0, spare), left)
            if give:
                grants.append((each.id, give))
                left -= give
        with self.store.transaction():
            for deck_id, give in grants:
                self.store.study.extend(deck_id, today, give if new else 0, 0 if new else give)
        self.core.forget()
        return count - left

    # -- choosing a custom session's cards ------------------------------------------------
    def _choose(
        self, home: Deck, kind: str, count: int, tags: Sequence[str], state: str, now: datetime
    ) -> tuple[list[int], str]:
        calendar = self.core.calendar
        today = calendar.today(now)
        ids = self.decks.ids(home.id)
        if kind == "ahead":
            end = calendar.end_of_today(now)
            until = calendar.start(today + timedelta(days=count + 1))
            found = self.store.study.reviews_ahead(
                ids, today.toordinal(), to_ms(end), to_ms(until), MAX_AMOUNT
            )
            return found, f"reviews due in the next {_days(count)}"
        if kind == "forgotten":
            since = calendar.start(today - timedelta(days=count - 1))
            found = self.store.study.forgotten_since(
                ids, today.toordinal(), to_ms(since), MAX_AMOUNT
            )
            return found, f"cards forgotten in the last {_days(count)}"
        return self._by_tag(home, count, tags, state, now)

    def _by_tag(
        self, home: Deck, count: int, tags: Sequence[str], state: str, now: datetime
    ) -> tuple[list[int], str]:
        wanted = [t.strip() for t in tags if t.strip()]
        if not wanted:
            raise ValidationError("custom study by tag needs a tag", hint="choose one or more")
        if state not in TAG_STATES:
            raise ValidationError(
                f"unknown card state {state!r} for custom study",
                hint=f"use one of {', '.join(TAG_STATES)}",
            )
        extra = {"new": " is:new", "due": " is:due", "all": ""}[state]
        chosen: dict[int, None] = {}
        for tag in wanted:
            query = f"tag:{_quoted(tag)} -is:suspended -is:buried{extra}"
            for card_id in self.notes.find_ids(query, now=now, deck=home.id):
                chosen.setdefault(card_id, None)
        described = {"new": "new cards", "due": "due cards", "all": "cards"}[state]
        names = ", ".join(wanted)
        return list(chosen)[:count], f"{described} tagged {names}"


def _days(count: int) -> str:
    return "day" if count == 1 else f"{count} days"


def _quoted(tag: str) -> str:
    return f'"{tag}"' if any(ch.isspace() for ch in tag) else tag
