"""The portable SQL (SQLite's spelling) as the PostgreSQL handle sends it: a pure function."""

from __future__ import annotations

import pytest

from tokendeck.storage.postgres import redacted, translate


def test_placeholders_outside_quotes_and_percent_signs_doubled() -> None:
    sql = "SELECT '?', \"a?\" FROM t WHERE x=? AND y LIKE '100%' AND z=?"
    assert translate(sql, True).text == (
        "SELECT '?', \"a?\" FROM t WHERE x=%s AND y ILIKE '100%%' AND z=%s"
    )


def test_without_parameters_the_text_is_sent_as_it_is() -> None:
    assert translate("SELECT '50%' LIKE '5%'", False).text == "SELECT '50%' ILIKE '5%'"


def test_like_becomes_case_insensitive_as_in_sqlite() -> None:
    text = translate("SELECT 1 WHERE a LIKE ? AND b NOT LIKE ? AND c ILIKE ?", True).text
    assert text == "SELECT 1 WHERE a ILIKE %s AND b NOT ILIKE %s AND c ILIKE %s"


def test_empty_lists_match_nothing_and_their_negation_everything() -> None:
    text = translate("SELECT 1 WHERE a IN () AND b NOT IN ( ) AND c IN (?)", True).text
    assert text == "SELECT 1 WHERE a = ANY ('{}') AND b <> ALL ('{}') AND c IN (%s)"


def test_sqlite_index_hints_are_dropped() -> None:
    assert translate("SELECT id FROM reviews NOT INDEXED WHERE a=?", True).text == (
        "SELECT id FROM reviews WHERE a=%s"
    )


@pytest.mark.parametrize(
    ("sql", "table", "sets_id"),
    [
        ("INSERT INTO notes (user_id, guid) VALUES (?, ?)", "notes", False),
        ("INSERT INTO cards (id, note_id) VALUES (?, ?)", "cards", True),
        ("  insert into Decks (user_id) values (?)", "decks", False),
        ("INSERT INTO users (name) VALUES (?) RETURNING id", "", False),
        ("INSERT INTO cards (id) SELECT ? + i FROM generate_series(0, ?) i", "", False),
        ("INSERT INTO t (a) VALUES ((SELECT max(a) FROM t))", "", False),
        ("UPDATE cards SET due=? WHERE id=?", "", False),
    ],
)
def test_one_row_inserts_are_recognised(sql: str, table: str, sets_id: bool) -> None:
    statement = translate(sql, True)
    assert (statement.insert_into, statement.sets_id) == (table, sets_id)


def test_urls_lose_their_password_in_messages() -> None:
    shown = redacted("postgresql://app:s3cret@db.example:5433/tokendeck")
    assert shown == "postgresql://app@db.example:5433/tokendeck"
    assert "s3cret" not in redacted("postgresql://app:s3cret@db/tokendeck?sslmode=require")


def test_nocase_ordering_and_insert_or_ignore() -> None:
    text = translate("SELECT id FROM notes ORDER BY n.front COLLATE NOCASE, id", False).text
    assert text == "SELECT id FROM notes ORDER BY lower(n.front), id"
    text = translate("INSERT OR IGNORE INTO t (a, b) VALUES (?, ?)", True).text
    assert text == "INSERT INTO t (a, b) VALUES (%s, %s) ON CONFLICT DO NOTHING"
