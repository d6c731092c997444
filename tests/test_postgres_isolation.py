"""Row-level security: the database itself keeps users apart, whatever the app's queries say.

Every query of a Store filters on its user; these tests take that filter away
(or make it name the wrong user) and show that PostgreSQL still returns and
accepts only the rows of the user the connection is set to, for every
per-user table the catalog lists.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.conftest import NOW
from tests.postgres_server import APP
from tokendeck.collection import Collection
from tokendeck.domain.attempts import Attempt
from tokendeck.domain.notetypes import CardTemplate, NoteType
from tokendeck.errors import StorageError
from tokendeck.storage.cards import Cards
from tokendeck.storage.notes import Notes
from tokendeck.storage.pg_schema import REFERENCE_TABLES
from tokendeck.storage.review_slots import Summary

pytestmark = pytest.mark.postgres


def _fill(col: Collection, word: str) -> None:
    """Some of every kind of row: settings, decks, notes, cards, reviews, attempts, questions,
    note types, a custom study session and today's extended limits, the statistics summary
    (its rollup is made when the statistics are read)."""
    col.set_value("colour", word)
    for i in range(3):
        col.add_note(
            f"{word} deck", f"{word} {i}", f"meaning {i}", now=NOW, reverse=i == 0, tags=("t",)
        )
    col.update_deck(col.deck(f"{word} deck").id, now=NOW, new_per_day=1)
    col.custom_study(f"{word} deck", "new", now=NOW, amount=5)  # beyond today's limit
    col.custom_study(f"{word} deck", "tag", now=NOW, amount=5, tags=("t",))
    card = col.next_card(NOW)
    assert card is not None
    col.answer(card.id, "good", now=NOW, attempt=Attempt("typed", word, score=1.0))
    assert col.stats(NOW)["total_reviews"] == 1
    col.keep_open(f"{word}'s question", now=NOW)
    template = CardTemplate("Card 1", "{{Front}}", "{{FrontSide}}<hr>{{Back}}")
    kind = NoteType(0, col.user_id, f"{word} type", "standard", ("Front", "Back"), (template,))
    with col.store.transaction():
        col.store.note_types.insert(kind, 0)


def _fill_sync(col: Collection, word: str) -> None:
    """Sync's per-user rows: its state, a deletion's tombstones and orphaned-review name, a
    losing version in a note's history, a device, and the switch a sync holds while it
    applies."""
    doomed = col.add_note(f"{word} deck", f"{word} gone", "soon deleted", now=NOW)
    col.delete_note(doomed.id)
    with col.store.transaction():
        col.store.sync_write.add_history([(doomed.guid, "back", "older", 1, 0, "merge")])
        assert col.store.sync.admit(f"{word}'s phone", "", "token", 0)  # a device met
        # Held only inside a sync's transaction; left on here so that the table has a row.
        col.store.db.execute("INSERT INTO sync_applying (user_id) VALUES (?)", (col.user_id,))


def _fill_server(url: str, col: Collection, word: str) -> None:
    """The multi-user server's per-user rows too: password, session, token, a class deck copy."""
    from tokendeck.domain.accounts import Role
    from tokendeck.storage.server import ServerStore

    store = ServerStore.open(url)
    try:
        now_ms = int(NOW.timestamp() * 1000)
        mine = store.user(col.user_id)
        mine.passwords.create(f"{word}'s hash", now_ms)
        mine.sessions.create(f"{word}'s session", now_ms, now_ms + 1000)
        mine.tokens.create(f"{word}'s token", "token", now_ms)
        store.users.set_role(col.user_id, Role.TEACHER)
        class_id = store.classes.create(col.user_id, f"{word}'s class", word.upper(), now_ms)
        pub = store.publications.create(class_id, col.user_id, "deck", None, word, "", now_ms)
        deck = col.deck(f"{word} deck")
        mine.subscriptions.subscribe(pub, deck.id, now_ms)
        note = col.note(col.cards(deck.id)[0].note_id)
        mine.subscriptions.put_note(pub, note.guid, note.id, "received")
    finally:
        store.close()


@pytest.fixture
def two_users(postgres_url: str) -> Iterator[tuple[Collection, Collection]]:
    """Ann and Bob, each with a filled collection in the same database."""
    with (
        Collection.open(postgres_url, user="ann", now=NOW, install_builtin=False) as ann,
        Collection.open(postgres_url, user="bob", now=NOW, install_builtin=False) as bob,
    ):
        _fill(ann, "ann")
        _fill(bob, "bob")
        _fill_sync(ann, "ann")
        _fill_sync(bob, "bob")
        _fill_server(postgres_url, ann, "ann")
        _fill_server(postgres_url, bob, "bob")
        yield ann, bob


def _per_user_tables(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        " AND relkind = 'r' ORDER BY relname"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in REFERENCE_TABLES]


def _as_app(url: str, user_id: int | None) -> psycopg.Connection:
    assert f"//{APP}@" in url  # the app's own role: not the owner, not a superuser
    conn = psycopg.connect(url, autocommit=True)
    if user_id is not None:
        conn.execute("SELECT set_config('app.user_id', %s, false)", (str(user_id),))
    return conn


def test_without_the_apps_filter_each_table_shows_only_the_connections_user(
    two_users: tuple[Collection, Collection], postgres_url: str
) -> None:
    _, bob = two_users
    with _as_app(postgres_url, bob.user_id) as conn:
        tables = _per_user_tables(conn)
        assert {"settings", "decks", "notes", "cards", "reviews", "attempts"} <= set(tables)
        for table in tables:
            owners = {r[0] for r in conn.execute(f"SELECT user_id FROM {table}")}
            assert owners == {bob.user_id}, table  # bob's rows are there, ann's are not


def test_a_wrong_user_id_or_none_returns_nothing(
    two_users: tuple[Collection, Collection], postgres_url: str
) -> None:
    for user_id in (999_999, None):
        with _as_app(postgres_url, user_id) as conn:
            for table in _per_user_tables(conn):
                assert conn.execute(f"SELECT count(*) FROM {table}").fetchone() == (0,), table


def test_writes_reach_only_the_connections_user(
    two_users: tuple[Collection, Collection], postgres_url: str
) -> None:
    ann, bob = two_users
    ann_cards = [(c.id, c.due) for c in ann.cards()]
    with _as_app(postgres_url, bob.user_id) as conn:
        assert conn.execute("UPDATE cards SET due = 0").rowcount == len(bob.cards())
        assert conn.execute("DELETE FROM reviews").rowcount == 1
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute(
                "INSERT INTO settings (user_id, key, value) VALUES (%s, 'x', '1')", (ann.user_id,)
            )
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
            conn.execute("UPDATE notes SET user_id = %s", (ann.user_id,))
    assert [(c.id, c.due) for c in ann.cards()] == ann_cards
    assert len(list(ann.reviews())) == 1


def test_a_store_query_naming_another_user_finds_nothing(
    two_users: tuple[Collection, Collection],
) -> None:
    ann, bob = two_users
    as_bob = bob.store.db  # the handle's connections are set to bob
    # The rows objects filter on the user they are given: here, wrongly, ann.
    summary = Summary(as_bob, ann.user_id)
    assert Cards(as_bob, ann.user_id, summary).all() == []
    assert Notes(as_bob, ann.user_id, summary).get(ann.cards()[0].note_id) is None
    assert as_bob.fetchall("SELECT DISTINCT user_id FROM notes") == [(bob.user_id,)]
    with pytest.raises(StorageError, match="row-level security"):
        as_bob.execute(
            "INSERT INTO settings (user_id, key, value) VALUES (?, 'x', '1')", (ann.user_id,)
        )


def test_the_app_role_cannot_switch_the_policies_off(
    two_users: tuple[Collection, Collection], postgres_url: str
) -> None:
    with _as_app(postgres_url, None) as conn:
        for statement in (
            "ALTER TABLE cards DISABLE ROW LEVEL SECURITY",
            "DROP POLICY cards_own_rows ON cards",
            "SET row_security = off; SELECT count(*) FROM cards",
        ):
            with pytest.raises(psycopg.Error):
                conn.execute(statement.encode())
