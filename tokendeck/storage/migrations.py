"""Versioned schema migrations, applied automatically when a collection opens.

Each migration is a numbered step that runs once, inside a transaction,
and is recorded in ``schema_migrations``. Never edit a published step: add a
new one. ``SCHEMA_VERSION`` is the newest step; opening a collection written
by a newer TokenDeck is refused rather than risked.

Every row of user data carries ``user_id`` so the same schema serves the
single-user file and the multi-user server.

Two backends, one version number. A step has a SQLite form and a PostgreSQL
form side by side (``Migration(5, "name", sqlite_form, postgres_form)``);
both leave the same tables and columns (PostgreSQL has two more of its own,
``user_changes`` and ``open_questions``, that only a shared server needs), so
the rows objects' SQL runs on either, and ``schema_migrations`` holds the same
versions. The PostgreSQL form
(in :mod:`tokendeck.storage.pg_schema`) also keeps the server's rules, which a
new step's PostgreSQL DDL must keep too (tests/test_postgres_schema.py reads the
catalog and checks them): every per-user table has ``user_id`` in its primary
key, unique constraints and foreign keys (Citus can distribute it by user), and
row-level security (``pg_schema.per_user(table)``); shared tables are listed in
``pg_schema.REFERENCE_TABLES``.

Adding a step (say 5) means three things: ``_note_types(db)`` for SQLite,
``pg_schema.note_types(db)`` for PostgreSQL (BIGINT integers, ``(user_id, id)``
keys, ``db.script(per_user("note_types"))``), and
``Migration(5, "note types", _note_types, pg_schema.note_types)`` at the end of
:data:`MIGRATIONS`.

PostgreSQL migrations need the schema's owner (``tokendeck server init``);
they run under an advisory lock (one process migrates, the others wait), and
the app's role is granted what it needs after each run. A step without a
PostgreSQL form cannot migrate a PostgreSQL database (the error says so), and
tests/test_postgres_schema.py fails until it has one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from tokendeck.domain.decks import DeckConfig, options_relative_to, parent_names
from tokendeck.errors import StorageError
from tokendeck.storage import pg_schema, server_schema, stats_schema, sync_schema
from tokendeck.storage.database import POSTGRESQL, Database

#: Key of the advisory lock that lets one process at a time migrate a PostgreSQL database.
_MIGRATION_LOCK = 0x746F6B656E646B


@dataclass(frozen=True)
class Migration:
    """One schema step, in SQLite's form and PostgreSQL's."""

    version: int
    name: str
    sqlite: Callable[[Database], None]
    postgres: Callable[[Database], None] | None = None

    def apply(self, db: Database) -> None:
        """Run the step's form for ``db``'s backend."""
        if db.dialect != POSTGRESQL:
            self.sqlite(db)
        elif self.postgres is not None:
            self.postgres(db)
        else:
            raise StorageError(
                f"schema step {self.version} ({self.name}) has no PostgreSQL form",
                hint="this TokenDeck cannot serve a PostgreSQL database; report it as a bug",
            )


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


def _note_types(db: Database) -> None:
    # Notes from Anki keep their note type (named fields, templates, styling, LaTeX
    # header), rendered as Anki renders them; notes written here stay Markdown and
    # take their cards from their kind. Cards keep Anki's ordinals either way.
    db.script(
        """
        CREATE TABLE note_types (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            kind TEXT NOT NULL DEFAULT 'standard',
            field_names TEXT NOT NULL,
            templates TEXT NOT NULL,
            css TEXT NOT NULL DEFAULT '',
            latex_pre TEXT NOT NULL DEFAULT '',
            latex_post TEXT NOT NULL DEFAULT '',
            latex_svg INTEGER NOT NULL DEFAULT 0,
            sort_field INTEGER NOT NULL DEFAULT 0,
            source_id INTEGER,
            created_at INTEGER NOT NULL,
            modified_at INTEGER NOT NULL,
            UNIQUE (user_id, name)
        );
        ALTER TABLE notes ADD COLUMN note_type_id INTEGER;
        ALTER TABLE notes ADD COLUMN format TEXT NOT NULL DEFAULT 'markdown';
        CREATE INDEX notes_note_type ON notes (note_type_id);
        """
    )


def _study_features(db: Database) -> None:
    # Flags (Anki's seven colours) live on the card; custom study sessions and
    # today's extra new cards / reviews are rows of their own, so a fresh process
    # computes the same queue as one that has been running. (Editing a note bumps its
    # decks' content version in meta, from the storage code on both backends:
    # storage/notes.py, bump_content.)
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
    _inherit_options(db)


def _study_features_postgres(db: Database) -> None:
    pg_schema.study_features(db)
    _inherit_options(db)


def _inherit_options(db: Database) -> None:
    """Step 6's data, on either backend: every deck's parents exist, and each deck keeps
    only the options it sets itself. It reads decks alone, so it holds whatever later
    steps (7, say) a database already has."""
    users = [r[0] for r in db.fetchall("SELECT DISTINCT user_id FROM decks ORDER BY user_id")]
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
    Migration(
        1,
        "initial schema: users, settings, decks, notes, cards, reviews",
        _initial_schema,
        pg_schema.initial_schema,
    ),
    Migration(2, "trigram full-text index over notes", _full_text_index, pg_schema.full_text_index),
    Migration(
        3,
        "attempts: question format, typed answer and grade of each answer",
        _attempts,
        pg_schema.attempts,
    ),
    Migration(4, "meta: database-wide facts (search index state)", _meta, pg_schema.meta),
    Migration(
        5,
        "note types: fields, templates, styling; notes keep their type and format",
        _note_types,
        pg_schema.note_types,
    ),
    Migration(
        6,
        "card flags, custom study sessions, today's limit extensions; subdecks inherit options",
        _study_features,
        _study_features_postgres,
    ),
    Migration(
        7,
        "server: accounts, sessions, API tokens, login attempts, invitations, classes,"
        " memberships, published decks with versions and notes, subscriptions",
        server_schema.sqlite_form,
        server_schema.postgres_form,
    ),
    Migration(
        8,
        "review_slots, review_days: the review log summed up for statistics",
        stats_schema.sqlite_form,
        stats_schema.postgres_form,
    ),
    Migration(
        9,
        "sync: review ids, deck GUIDs, change rounds, origins and edit stamps on synced rows;"
        " tombstones, the clock and cursors, note history",
        sync_schema.sqlite_form,
        sync_schema.postgres_form,
    ),
)
SCHEMA_VERSION = max(step.version for step in MIGRATIONS)
#: The table that records which steps ran.
LEDGER = (
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"
)


def applied_versions(db: Database) -> frozenset[int]:
    """The migration steps recorded in ``db`` (none for an empty database)."""
    if db.dialect == POSTGRESQL:
        exists = db.scalar("SELECT to_regclass('schema_migrations') IS NOT NULL")
    else:
        exists = db.scalar(
            "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        )
    if not exists:
        return frozenset()
    return frozenset(int(r[0]) for r in db.fetchall("SELECT version FROM schema_migrations"))


def current_version(db: Database) -> int:
    """The newest migration applied to ``db`` (0 for an empty database)."""
    return max(applied_versions(db), default=0)


def pending_versions(db: Database) -> list[int]:
    """The steps ``db`` has not had yet, in the order they would be applied."""
    applied = applied_versions(db)
    return [step.version for step in MIGRATIONS if step.version not in applied]


def migrate(db: Database) -> int:
    """Apply every step not yet recorded; returns the schema version now in force.

    Steps are applied by absence, not by "newer than the newest": work developed side by side
    lands in any order (step 6 can arrive after step 7), and a database that already has 7 still
    gets 6. A step therefore never depends on a later step's absence.
    """
    applied = applied_versions(db)
    _refuse_newer(db, max(applied, default=0))
    if applied >= {step.version for step in MIGRATIONS}:
        return SCHEMA_VERSION
    with db.transaction():
        if db.dialect == POSTGRESQL:
            # Two servers starting at once: the second waits here, then finds the work done.
            db.execute(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})")
            applied = applied_versions(db)
            _refuse_newer(db, max(applied, default=0))
            pg_schema.prepare(db)
        # epoch ms needs 64 bits: PostgreSQL's INTEGER has 32
        db.execute(
            LEDGER.replace("INTEGER NOT NULL)", "BIGINT NOT NULL)")
            if db.dialect == POSTGRESQL
            else LEDGER
        )
        for step in MIGRATIONS:
            if step.version not in applied:
                step.apply(db)
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (step.version, step.name, int(time.time() * 1000)),
                )
        if db.dialect == POSTGRESQL:
            pg_schema.grant(db)
    return SCHEMA_VERSION


def _refuse_newer(db: Database, version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StorageError(
            f"{db.location} was written by a newer TokenDeck (schema {version})",
            hint="upgrade TokenDeck to open it",
        )
