"""The statistics summary is kept true on both backends (SQLite and PostgreSQL).

tests/test_stats_sql.py checks the SQL statistics against the reference in
depth on SQLite; these run the same generated changes (answers in and out of
order, undo, moves, deletions, resets, imports, bulk history copies) on each
backend, several learners in one database, so that PostgreSQL's own SQL (no
index hints, its temporary table, 64-bit sums) keeps the same numbers and one
learner's upkeep never touches another's summary.
"""

from __future__ import annotations

import itertools
import struct
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_stats_sql import (
    START,
    ZONES,
    _opened,
    assert_same,
    cards,
    changed_and_checked,
    copied_and_checked,
    history_source,
    operations,
    reference,
    reviews,
)

hours = st.floats(min_value=-24 * 60, max_value=24 * 60, allow_nan=False)
#: A new learner per example: the database (and its other learners) stays.
_learners = itertools.count()
_SLOW_FIXTURES = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture]


@settings(max_examples=12, deadline=None, suppress_health_check=_SLOW_FIXTURES)
@given(
    zone=st.sampled_from(ZONES),
    rollover=st.integers(0, 23),
    specs=st.lists(cards, min_size=1, max_size=8),
    ops=operations,
    now=hours,
)
def test_changes_keep_the_summary_true(
    location: str | Path, zone: str, rollover: int, specs: Any, ops: Any, now: float
) -> None:
    with _opened(zone, rollover, location, f"learner{next(_learners)}") as col:
        changed_and_checked(col, specs, ops, now)


@settings(max_examples=6, deadline=None, suppress_health_check=_SLOW_FIXTURES)
@given(
    zone=st.sampled_from(ZONES),
    logs=st.lists(st.lists(reviews, min_size=1, max_size=10), min_size=1, max_size=6),
    now=hours,
)
def test_a_bulk_history_copy_keeps_the_summary_true(
    location: str | Path, tmp_path_factory: pytest.TempPathFactory, zone: str, logs: Any, now: float
) -> None:
    source = history_source(tmp_path_factory.mktemp("h") / "history.db", logs)
    with _opened(zone, 4, location, f"learner{next(_learners)}") as col:
        copied_and_checked(col, source, len(logs), now)


def test_each_learner_counts_only_their_own_answers(location: str | Path) -> None:
    first = _opened("UTC", 4, location, "first")
    second = _opened("Europe/Berlin", 4, location, "second")
    try:
        for col, answers in ((first, 3), (second, 1)):
            col.add_note("A", "q", "a", now=START)
            card = col.find_card_ids("", now=START)[0]
            for day in range(answers):
                col.answer(card, 3, now=START + timedelta(days=day * 3))
        later = START + timedelta(days=30)
        assert first.stats(later)["total_reviews"] == 3
        assert second.stats(later)["total_reviews"] == 1
        assert_same(second.stats(later), reference(second, later, None))
    finally:
        first.close()
        second.close()


def test_the_packed_review_log_holds_every_answer(location: str | Path) -> None:
    """The log fitting reads, as one byte string made by SQL, is the rows it stands for."""
    with _opened("UTC", 4, location) as col:
        for front in ("one", "two"):
            col.add_note("A", front, "a", now=START)
        first, second = col.find_card_ids("", now=START)
        for day, (card, rating) in enumerate([(first, 3), (second, 1), (first, 4)]):
            col.answer(card, rating, now=START + timedelta(days=day))
        rows = col.store.history.packed()
        packed = col.packed_review_log()
    assert len(rows) == 3
    assert packed == b"".join(struct.pack(">qq", card, value) for card, value in rows)
