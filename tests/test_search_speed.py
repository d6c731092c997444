"""Full-text search starts from the trigram index, and find_cards loads notes in one query.

These check the *plan*, not the clock: a word search that walks every card of
the user (the plan SQLite picks for a bare ``c.user_id=?``) took seconds on a
100,000-card collection, and building each result with its own note and deck
queries took hundreds of milliseconds more (see benchmarks/README.md).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.domain import search
from tokendeck.storage import search as search_sql

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def col(tmp_path: Path) -> Collection:
    collection = Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False)
    collection.add_note("Words", "crossword", "a puzzle", now=NOW)
    collection.add_note("Words", "password", "a secret", now=NOW, reverse=True)
    collection.add_note("Other", "sword", "a blade", now=NOW)
    collection.add_note("Other", "shield", "a guard", now=NOW)
    return collection


def _plan(col: Collection, text: str) -> str:
    where, params = search_sql.where_clause(search.parse(text), col.user_id, None, 0, 0)
    rows = col.store.db.fetchall(
        f"EXPLAIN QUERY PLAN SELECT c.id FROM {search_sql._JOINED} WHERE {where}", params
    )
    return "\n".join(str(r[-1]) for r in rows)


def test_word_search_is_driven_by_the_full_text_index(col: Collection) -> None:
    plan = _plan(col, "word")
    assert "notes_fts" in plan
    assert "cards_due" not in plan, plan


def test_find_cards_returns_every_matching_card_with_note_and_deck(col: Collection) -> None:
    found = col.find_cards("word", now=NOW, order="front")
    assert [(v.note.front, v.card.ordinal, v.deck_name) for v in found] == [
        ("crossword", 0, "Words"),
        ("password", 0, "Words"),
        ("password", 1, "Words"),
        ("sword", 0, "Other"),
    ]
    reverse = next(v for v in found if v.card.ordinal == 1)
    assert (reverse.front, reverse.back) == ("a secret", "password")


def test_find_cards_without_words_still_filters_by_user_and_deck(col: Collection) -> None:
    assert {v.note.front for v in col.find_cards("", now=NOW, deck="Other")} == {"sword", "shield"}
    assert col.count_cards("word", now=NOW) == 4
