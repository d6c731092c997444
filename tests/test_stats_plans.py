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


def test_the_newest_entry_of_a_card_is_found_through_its_card_index(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.db", install_builtin=False) as col:
        plan = _plan(col, review_slots._LATEST, (1, 1))
    assert "reviews_card" in plan and "reviews_user_time" not in plan


def test_a_cards_contributions_walk_its_card_index(tmp_path: Path) -> None:
    with Collection.open(tmp_path / "c.db", install_builtin=False) as col:
        plan = _plan(col, review_slots.contributions_sql("r.card_id IN (?)"), (1, 1))
    assert "reviews_card" in plan and "reviews_user_time" not in plan
