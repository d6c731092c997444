"""Property: whatever devices do offline and however syncs interleave, all end the same.

A Hypothesis state machine drives three devices (one with a clock three hours
slow) and the server's own web app (answers made on the server) through random
interleavings of: adding notes, answering (offline), editing, deleting notes,
undoing, suspending, flagging, moving cards, changing a setting, and syncing any one
device. After every run all devices sync until quiet, and then:

* every device and the server hold the same decks, notes, cards (with their
  schedules), settings and review log, compared by identity;
* every answer that was not undone is in every review log exactly once, and
  no undone answer is anywhere;
* every replica's statistics summary agrees with its review log.

The server runs on SQLite here and on PostgreSQL in test_sync_postgres.py.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from tests.conftest import NOW
from tests.sync.harness import InProcess, local_uids, summary_is_true, view
from tokendeck.collection import Collection
from tokendeck.errors import NotFoundError, NothingToUndoError

DEVICES = ("laptop", "phone", "tablet")
#: Each device's clock against the true time: the phone's runs three hours slow. Real
#: clocks never agree to the millisecond: two devices' answers of one card at one
#: millisecond would be one answer (docs/sync.md), so each clock is off by some ms too.
SKEW = {
    "laptop": timedelta(milliseconds=1),
    "phone": timedelta(hours=-3, milliseconds=2),
    "tablet": timedelta(minutes=7, milliseconds=3),
}
#: How long each device's learner takes to answer, in ms: like clocks, never the same to the
#: millisecond on two devices (an answer records it; docs/sync.md, one answer, two ids).
TAKES = {"laptop": 4001, "phone": 5002, "tablet": 6003, "server": 7004}
WORDS = ("perro", "gato", "casa", "sol", "luna", "agua", "fuego", "tierra")


class Devices(RuleBasedStateMachine):
    """Three devices and a server, driven at random."""

    #: Where each example's server collection lives (None: a SQLite file of its own).
    server_location: Callable[[], Any] | None = None

    @initialize()
    def start(self) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="sync-prop-"))
        self.time = NOW
        location = self.server_location() if self.server_location else self.tmp / "server.db"
        self.server = Collection.open(location, user="ann", now=NOW, install_builtin=False)
        self.server.update_settings(timezone="UTC")
        self.link = InProcess(self.server, lambda: self.time)
        self.cols = {}
        for name in DEVICES:
            col = Collection.open(self.tmp / f"{name}.db", now=NOW, install_builtin=False)
            col.update_settings(timezone="UTC")
            self.cols[name] = col
        self.counter = 0
        #: uids undone after they had been synced somewhere
        self.undone: set[str] = set()
        # A shared start, so that the devices' offline work meets on the same cards.
        for word in WORDS[:5]:
            self.add("laptop", word, word == "gato")
        for name in ("laptop", *DEVICES):
            self.sync(name)

    def teardown(self) -> None:
        for col in getattr(self, "cols", {}).values():
            col.close()
        if hasattr(self, "server"):
            self.server.close()

    def at(self, name: str) -> Any:
        return self.time + SKEW[name]

    def cards(self, col: Collection) -> list[Any]:
        return sorted(col.cards(), key=lambda c: c.id)

    # -- what people do --------------------------------------------------------------------
    @rule(who=st.sampled_from(DEVICES), word=st.sampled_from(WORDS), reverse=st.booleans())
    def add(self, who: str, word: str, reverse: bool) -> None:
        self.counter += 1
        deck = "Spanish" if self.counter % 3 else "Spanish::Nature"
        self.cols[who].add_note(
            deck, f"{word} {self.counter}", f"the {word}", now=self.at(who), reverse=reverse
        )

    @rule(
        who=st.sampled_from((*DEVICES, "server")),
        pick=st.integers(0, 50),
        rating=st.integers(1, 4),
    )
    def answer(self, who: str, pick: int, rating: int) -> None:
        col = self.server if who == "server" else self.cols[who]
        cards = self.cards(col)
        if cards:
            when = self.time if who == "server" else self.at(who)
            col.answer(cards[pick % len(cards)].id, rating, now=when, duration_ms=TAKES[who])

    @rule(
        who=st.sampled_from((*DEVICES, "server")),
        start=st.integers(0, 50),
        ratings=st.lists(st.integers(1, 4), min_size=1, max_size=8),
    )
    def study(self, who: str, start: int, ratings: list[int]) -> None:
        """A short session: several cards answered in a row, minutes apart."""
        col = self.server if who == "server" else self.cols[who]
        cards = self.cards(col)
        when = self.time if who == "server" else self.at(who)
        for i, rating in enumerate(ratings):
            if cards:
                card = cards[(start + i) % len(cards)]
                at = when + timedelta(minutes=2 * i)
                col.answer(card.id, rating, now=at, duration_ms=TAKES[who])

    @rule(who=st.sampled_from(DEVICES), pick=st.integers(0, 50), text=st.sampled_from(WORDS))
    def edit(self, who: str, pick: int, text: str) -> None:
        col = self.cards(self.cols[who])
        if col:
            note_id = col[pick % len(col)].note_id
            field = ("back", "tags", "front")[pick % 3]
            value: Any = (text,) if field == "tags" else f"{text} ({pick})"
            self.cols[who].edit_note(note_id, now=self.at(who), **{field: value})

    @rule(who=st.sampled_from(DEVICES), pick=st.integers(0, 50))
    def delete(self, who: str, pick: int) -> None:
        cards = self.cards(self.cols[who])
        if cards:
            self.cols[who].delete_note(cards[pick % len(cards)].note_id)

    @rule(who=st.sampled_from(DEVICES))
    def undo(self, who: str) -> None:
        col = self.cols[who]
        before = local_uids(col)
        try:
            col.undo(self.at(who))
        except (NothingToUndoError, NotFoundError):  # NotFound: the card was deleted since
            return
        self.undone |= before - local_uids(col)

    @rule(who=st.sampled_from(DEVICES), pick=st.integers(0, 50), on=st.booleans())
    def suspend(self, who: str, pick: int, on: bool) -> None:
        cards = self.cards(self.cols[who])
        if cards:
            card = cards[pick % len(cards)]
            action = self.cols[who].suspend if on else self.cols[who].unsuspend
            action([card.id], now=self.at(who))

    @rule(who=st.sampled_from(DEVICES), pick=st.integers(0, 50), colour=st.integers(0, 7))
    def flag(self, who: str, pick: int, colour: int) -> None:
        cards = self.cards(self.cols[who])
        if cards:
            self.cols[who].flag([cards[pick % len(cards)].id], colour, now=self.at(who))

    @rule(who=st.sampled_from(DEVICES), pick=st.integers(0, 50), deck=st.sampled_from(("A", "B")))
    def move(self, who: str, pick: int, deck: str) -> None:
        cards = self.cards(self.cols[who])
        if cards:
            self.cols[who].move_cards([cards[pick % len(cards)].id], deck, now=self.at(who))

    @rule(who=st.sampled_from(DEVICES), hour=st.integers(0, 6))
    def setting(self, who: str, hour: int) -> None:
        self.cols[who].update_settings(rollover_hour=hour)

    @rule(minutes=st.integers(1, 3000))
    def wait(self, minutes: int) -> None:
        self.time += timedelta(minutes=minutes)

    @rule(who=st.sampled_from(DEVICES))
    def sync(self, who: str) -> None:
        self.cols[who].sync(now=self.at(who), transport=self.link)

    # -- the property ----------------------------------------------------------------------
    @invariant()
    def logs_never_hold_an_undone_answer_that_was_synced_away(self) -> None:
        for col in [self.server, *self.cols.values()]:
            assert not (local_uids(col) & self.undone)

    def settle_and_compare(self) -> None:
        for _ in range(2):
            for name in DEVICES:
                self.sync(name)
        reference = view(self.server)
        for name, col in self.cols.items():
            assert view(col) == reference, name
        expected = set().union(*(local_uids(c) for c in [self.server, *self.cols.values()]))
        assert set(reference["reviews"]) == expected
        assert not (expected & self.undone)
        for col in [self.server, *self.cols.values()]:  # the statistics kept in step
            assert summary_is_true(col)


def run_machine(
    machine: type[Devices],
    examples: int,
    steps: int,
    server: Callable[[], Any] | None = None,
) -> None:
    """Run the machine, settling and comparing at the end of each example."""

    class Settled(machine):  # type: ignore[valid-type,misc]
        server_location = staticmethod(server) if server else None

        def teardown(self) -> None:
            try:
                if hasattr(self, "cols"):
                    self.settle_and_compare()
            finally:
                super().teardown()

    Settled.TestCase.settings = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        derandomize=True,
    )
    Settled.TestCase().runTest()


@pytest.mark.slow
def test_devices_converge_whatever_they_do_offline() -> None:
    run_machine(Devices, examples=60, steps=50)
