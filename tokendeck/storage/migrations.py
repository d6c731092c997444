"""Versioned schema migrations, applied automatically when a collection opens.

Each migration is a numbered step that runs once, inside a transaction,
and is recorded in ``schema_migrations``. Never edit a published step: add a
new one. ``SCHEMA_VERSION`` is the newest step; opening a collection written
by a newer TokenDeck is refused rather than risked.

Every row of user data carries ``user_id`` so the same schema serves the
single-user file and the multi-user server.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from tokendeck.domain.decks import DeckConfig, options_relative_to, parent_names
from tokendeck.errors import StorageError
from tokendeck.storage.database import Database


@dataclass(frozen=True)
class Migration:
    """One schema step."""

    version: int
    name: str
    apply: Callable[[Database], None]


def _initial_schema(db: Database) -> None:
    db.script(
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE settings (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (user_id, key)
        );
        CREATE TABLE decks (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            config TEXT NOT NULL DEFAULT '{}',
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            UNIQUE (user_id, name)
        );
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            guid TEXT NOT NULL,
            kind TEXT NOT NULL,
            front TEXT NOT NULL,
            back TEXT NOT NULL,
            tags TEXT NOT NULL DEFAULT '',
            accepted TEXT NOT NULL DEFAULT '[]',
            fields TEXT NOT NULL DEFAULT '{}',
            source TEXT NOT NULL DEFAULT '',
            source_note TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            UNIQUE (user_id, guid)
        );
        CREATE TABLE cards (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,
            deck_id INTEGER NOT NULL REFERENCES decks(id),
            ordinal INTEGER NOT NULL,
            state INTEGER NOT NULL DEFAULT 0,
            due INTEGER NOT NULL,
            step INTEGER,
            stability REAL,
            difficulty REAL,
            last_review INTEGER,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            suspended INTEGER NOT NULL DEFAULT 0,
            buried_until INTEGER,
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            UNIQUE (note_id, ordinal)
        );
        CREATE INDEX cards_due ON cards (user_id, state, due);
        CREATE INDEX cards_deck ON cards (deck_id, state, due);
        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            card_id INTEGER NOT NULL,
            reviewed_at INTEGER NOT NULL,
            rating INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            kind TEXT NOT NULL,
            state_before INTEGER NOT NULL,
            state_after INTEGER NOT NULL,
            scheduled_days REAL NOT NULL DEFAULT 0,
            elapsed_days INTEGER NOT NULL DEFAULT -1,
            stability REAL,
            difficulty REAL,
            undo TEXT
        );
        CREATE INDEX reviews_card ON reviews (card_id, reviewed_at);
        CREATE INDEX reviews_user_time ON reviews (user_id, reviewed_at);
        """
    )


def _full_text_index(db: Database) -> None:
    # A trigram index answers substring searches ("ansform" finds "Transformer")
    # from the index instead of scanning every note.
    db.script(
        """
        CREATE VIRTUAL TABLE notes_fts USING fts5(
            front, back, tags, content='notes', content_rowid='id', tokenize='trigram'
        );
        CREATE TRIGGER notes_fts_insert AFTER INSERT ON notes BEGIN
            INSERT INTO notes_fts (rowid, front, back, tags)
            VALUES (new.id, new.front, new.back, new.tags);
        END;
        CREATE TRIGGER notes_fts_delete AFTER DELETE ON notes BEGIN
            INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
            VALUES ('delete', old.id, old.front, old.back, old.tags);
        END;
        CREATE TRIGGER notes_fts_update AFTER UPDATE OF front, back, tags ON notes BEGIN
            INSERT INTO notes_fts (notes_fts, rowid, front, back, tags)
            VALUES ('delete', old.id, old.front, old.back, old.tags);
            INSERT INTO notes_fts (rowid, front, back, tags)
            VALUES (new.id, new.front, new.back, new.tags);
        END;
        """
    )


def _attempts(db: Database) -> None:
    # How each answer was asked and graded; deleted with its review on undo.
    db.script(
        """
        CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            review_id INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
            card_id INTEGER NOT NULL,
            answered_at INTEGER NOT NULL,
            format TEXT NOT NULL,
            answer TEXT NOT NULL DEFAULT '',
            score REAL,
            verdict TEXT,
            suggested_rating INTEGER,
            rating INTEGER NOT NULL,
            overridden INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX attempts_user_time ON attempts (user_id, answered_at);
        CREATE INDEX attempts_review ON attempts (review_id);
        """
    )


def _meta(db: Database) -> None:
    # Small database-wide facts, such as "the search index needs a rebuild".
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")


def _study_features(db: Database) -> None:
    # Flags (Anki's seven colours) live on the card; custom study sessions and
    # today's extra new cards / reviews are rows of their own, so a fresh process
    # computes the same queue as one that has been running. Editing a note bumps its
    # decks' content version in meta ("content:<deck id>"): with the decks' card ids it
    # tells a cache of the decks' similarities that it is out of date (derived data,
    # so it lives in meta, outside backups).
    db.script(
        """
        ALTER TABLE cards ADD COLUMN flag INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE custom_study (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            card_id INTEGER NOT NULL REFERENCES cards(id) ON DELETE CASCADE,
            deck_id INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (user_id, card_id)
        );
        CREATE INDEX custom_study_deck ON custom_study (user_id, deck_id, position);
        CREATE TRIGGER notes_content_version AFTER UPDATE OF kind, front, back, tags, accepted
        ON notes BEGIN
            INSERT INTO meta (key, value) SELECT 'content:' || deck_id, '1' FROM cards
            WHERE note_id = new.id
            ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1;
        END;
        CREATE TABLE study_extensions (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            deck_id INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
            day INTEGER NOT NULL,
            new_cards INTEGER NOT NULL DEFAULT 0,
            reviews INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (user_id, deck_id, day)
        );
        """
    )
    users = [r[0] for r in db.fetchall("SELECT DISTINCT user_id FROM decks")]
    for user in users:
        _add_missing_parents(db, user)
        _keep_own_options(db, user)


def _add_missing_parents(db: Database, user: int) -> None:
    """``A::B`` without ``A``: create ``A`` (the deck tree needs every parent)."""
    rows = db.fetchall("SELECT name, created_at FROM decks WHERE user_id=?", (user,))
    known = {name.lower() for name, _ in rows}
    for name, created in rows:
        for parent in parent_names(name):
            if parent.lower() not in known:
                known.add(parent.lower())
                db.execute(
                    "INSERT INTO decks (user_id, name, config, created_at, modified_at)"
                    " VALUES (?, ?, '{}', ?, ?)",
                    (user, parent, created, created),
                )


def _keep_own_options(db: Database, user: int) -> None:
    """Subdecks inherit options from here on: each deck keeps only the options that
    differ from what it would inherit, so every deck's options stay exactly as they were."""
    rows = db.fetchall("SELECT id, name, config FROM decks WHERE user_id=?", (user,))
    in_force: dict[str, DeckConfig] = {}
    for deck_id, name, text in sorted(rows, key=lambda r: r[1].count("::")):
        parent = name.rpartition("::")[0].lower()
        inherited = in_force.get(parent, DeckConfig())
        config = DeckConfig.from_dict(json.loads(text))
        in_force[name.lower()] = config
        own = options_relative_to(config, inherited)
        db.execute("UPDATE decks SET config=? WHERE id=?", (json.dumps(own), deck_id))


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "initial schema: users, settings, decks, notes, cards, reviews", _initial_schema),
    Migration(2, "trigram full-text index over notes", _full_text_index),
    Migration(3, "attempts: question format, typed answer and grade of each answer", _attempts),
    Migration(4, "meta: database-wide facts (search index state)", _meta),
    Migration(
        6,
        "card flags, custom study sessions, today's limit extensions; subdecks inherit options",
        _study_features,
    ),
)
SCHEMA_VERSION = MIGRATIONS[-1].version


def current_version(db: Database) -> int:
    """The newest migration applied to ``db`` (0 for an empty database)."""
    exists = db.scalar(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
    )
    if not exists:
        return 0
    return int(db.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))


def applied_versions(db: Database) -> set[int]:
    """The migration steps recorded in ``db``."""
    if not current_version(db):
        return set()
    return {int(r[0]) for r in db.fetchall("SELECT version FROM schema_migrations")}


def migrate(db: Database) -> int:
    """Apply every pending migration; returns the schema version now in force.

    A step is pending when it is not recorded, not only when it is newer than the
    newest recorded one: steps are numbered per feature branch, so a file may have
    met step 6 before step 5 existed.
    """
    version = current_version(db)
    applied = applied_versions(db)
    if version == SCHEMA_VERSION and applied >= {m.version for m in MIGRATIONS}:
        return version
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{db.location} was written by a newer TokenDeck (schema {version})",
            hint="upgrade TokenDeck to open it",
        )
    with db.transaction():
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
        )
        for step in MIGRATIONS:
            if step.version not in applied:
                step.apply(db)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (step.version, step.name, int(time.time() * 1000)),
                )
    return SCHEMA_VERSION
