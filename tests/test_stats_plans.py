"""The statistics summary's queries on the answer path use the index they are written for.

On a large log SQLite would otherwise pick the user's time index for "the card's
newest entry" (it matches the ORDER BY) and scan every review of the user: a
second per answer at a million reviews. The plans are pinned here, as
tests/test_search_speed.py pins the search's.
"""

from __future__ import annotations

from pathlib import Path

from tokendeck.collection import Collection
from tokendeck.storage import review_slots


def _plan(col: Collection, sql: str, params: tuple[object, ...]) -> str:
    rows = col.store.db.fetchall(f"EXPLAIN QUERY PLAN {sql}", params)
    return " / ".join(str(row[-1]) for row in rows)


def test_an_answer_is_counted_through_its_cards_index(tmp_path: Path) -> None:
    """Its card's newest entry and any later one are found in reviews_card."""
    with Collection.open(tmp_path / "c.db", install_builtin=False) as col:
        params = (1, 1, 1, "review", "review", 1, 1, 1, 0, 0, 0, 1, 0, 1, 1, 10)
        add_slot, _add_day = review_slots._ADD[col.store.db.dialect]
        plan = _plan(col, add_slot, params)
    assert "reviews_card" in plan and "reviews_user_time" not in plan


def test_a_cards_contributions_walk_its_card_index(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.db", install_builtin=False) as col:
        plan = _plan(col, review_slots.contributions_sql("r.card_id IN (?)"), (1, 1))
    assert "reviews_card" in plan and "reviews_user_time" not in plan
