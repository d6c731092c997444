"""Shared by the interleaved-sessions property tests (facade and HTTP): the collection
they start from, the steps Hypothesis draws, and the check against a fresh process."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import strategies as st

from tokendeck.collection import Collection
from tokendeck.domain.decks import is_within

#: The time the sessions start.
START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

#: (deck, session kind) of every session the tests interleave (None: every deck).
SESSIONS: tuple[tuple[str | None, str], ...] = (
    ("Lang", "study"),
    ("Lang::French", "study"),
    ("Lang::Spanish", "study"),
    ("Maths", "study"),
    (None, "study"),
    ("Lang", "custom"),
    ("Maths", "custom"),
)
DECK_NAMES = ("Lang", "Lang::French", "Lang::Spanish", "Maths", "Empty::Child")


def build_collection(path: Path) -> None:
    """Decks with new cards, reviews due today and reviews due later; reversed notes give
    siblings; Maths takes only three new cards a day."""
    earlier = START - timedelta(days=30)
    with Collection.open(path, now=earlier, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        sizes = {"Lang": 3, "Lang::French": 5, "Lang::Spanish": 4, "Maths": 7}
        for deck, size in sizes.items():
            for i in range(size):
                tags = ("x",) if i % 2 else ()
                reverse = i % 3 == 0
                col.add_note(
                    deck, f"{deck} q{i}", f"{deck} a{i}", now=earlier, reverse=reverse, tags=tags
                )
        col.create_deck("Empty::Child", now=earlier)
        col.update_deck(col.deck("Maths").id, now=earlier, new_per_day=3)
        col.update_deck(col.deck("Lang::French").id, now=earlier, reviews_per_day=2)
        # A month ago some cards were learnt: today some are due, some come later.
        when = earlier
        for deck in ("Lang::French", "Maths", "Lang"):
            for _ in range(3):
                view = col.next_card(when, deck)
                if view is None:
                    break
                col.answer(view.id, "good", now=when)
                col.answer(view.id, "good", now=when + timedelta(minutes=11))
                when += timedelta(minutes=1)
        for day in (3, 20):
            moment = earlier + timedelta(days=day)
            for view in col.find_cards("is:due", now=moment, deck="Lang::French")[:2]:
                col.answer(view.id, "easy" if day == 3 else "again", now=moment)
        yesterday = START - timedelta(days=1)
        for deck in ("Lang", "Lang::Spanish"):
            for _ in range(2):
                view = col.next_card(yesterday, deck)
                if view is not None:
                    col.answer(view.id, "easy", now=yesterday)  # reviews due in a few days
        # Custom sessions from the start: reviews ahead, and cards by tag (new ones too).
        col.custom_study("Lang", "ahead", now=START, amount=60)
        col.custom_study("Maths", "tag", now=START, tags=("x",))


#: One step: (what, session number, rating 1-4, minutes that pass first, custom kind).
STEP = st.tuples(
    st.sampled_from(
        ("answer",) * 6 + ("suspend", "bury", "flag", "undo", "custom", "extend", "add", "move")
    ),
    st.integers(0, len(SESSIONS) - 1),
    st.integers(1, 4),
    st.sampled_from((0, 0, 1, 2, 5, 11, 30, 600)),
    st.sampled_from(("ahead", "forgotten", "tag")),
)
STEPS = st.lists(STEP, min_size=1, max_size=40)


def in_session(deck_name: str, session: tuple[str | None, str]) -> bool:
    """Whether a card of ``deck_name`` belongs to the session's deck (subdecks included)."""
    deck = session[0]
    return deck is None or is_within(deck_name, deck)


def fresh_state(path: Path, now: datetime) -> dict[tuple[str | None, str], object]:
    """What a fresh process computes for every session: counts and the cards to come."""
    with Collection.open(path, now=now, install_builtin=False) as fresh:
        return {s: session_state(fresh, s, now) for s in SESSIONS}


def session_state(col: Collection, session: tuple[str | None, str], now: datetime) -> object:
    """A session's counts, the cards still to come, and whether it has a card to show now.

    Not which card: new cards are spread among the reviews left, so a queue built
    after some reviews were answered spaces them differently (the same cards).
    """
    deck, kind = session
    counts = col.queue_counts(now, deck, session=kind)
    pending = sorted(col.study_queue(now, deck, session=kind).pending_ids())
    shown = col.next_card(now, deck, session=kind)
    return (counts, pending, shown is None)
