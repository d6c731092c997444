"""Migration 7: the multi-user server's tables (accounts, sessions, tokens, classes, shared decks).

Kept apart from :mod:`tokendeck.storage.migrations` because it is one large
step; the single-user app never writes these tables, but every collection file
has them, so one schema (and one ``SCHEMA_VERSION``) serves both modes.

Keys follow the rule of the distributed layout: a row that belongs to one user
(``sessions``, ``api_tokens``, ``subscriptions``, ``subscribed_notes``) has
``user_id`` first in its primary key; class content that many users read
(``classes``, ``memberships``, ``publications``, their versions and notes) is
shared reference data keyed by its own ids, and refers to users but is never
referred to by a per-user row except through the publication id.
"""

from __future__ import annotations

from tokendeck.storage.database import Database

SERVER_TABLES_SQL = """
CREATE TABLE accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'learner')),
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at INTEGER,
    UNIQUE (user_id, hash)
);
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures INTEGER NOT NULL
);
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('admin', 'teacher', 'learner')),
    created_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    used_at INTEGER
);
CREATE TABLE classes (
    id INTEGER PRIMARY KEY,
    teacher_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    join_code TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL,
    UNIQUE (teacher_id, name)
);
CREATE TABLE memberships (
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at INTEGER NOT NULL,
    PRIMARY KEY (class_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id);
CREATE TABLE publications (
    id INTEGER PRIMARY KEY,
    class_id INTEGER NOT NULL REFERENCES classes(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    source TEXT NOT NULL CHECK (source IN ('deck', 'builtin')),
    source_deck_id INTEGER,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    UNIQUE (class_id, name)
);
CREATE TABLE publication_versions (
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    added INTEGER NOT NULL,
    changed INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    PRIMARY KEY (publication_id, version)
);
CREATE TABLE published_notes (
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    guid TEXT NOT NULL,
    kind TEXT NOT NULL,
    front TEXT NOT NULL,
    back TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    accepted TEXT NOT NULL DEFAULT '[]',
    version INTEGER NOT NULL,
    deleted_in INTEGER,
    PRIMARY KEY (publication_id, guid)
);
CREATE INDEX published_notes_version ON published_notes (publication_id, version);
CREATE TABLE subscriptions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publication_id INTEGER NOT NULL REFERENCES publications(id) ON DELETE CASCADE,
    deck_id INTEGER NOT NULL REFERENCES decks(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    subscribed_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, publication_id)
);
CREATE TABLE subscribed_notes (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publication_id INTEGER NOT NULL,
    guid TEXT NOT NULL,
    note_id INTEGER NOT NULL,
    received TEXT NOT NULL,
    pending TEXT,
    pending_version INTEGER,
    suspended INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, publication_id, guid),
    FOREIGN KEY (user_id, publication_id)
        REFERENCES subscriptions (user_id, publication_id) ON DELETE CASCADE
);
CREATE INDEX subscribed_notes_note ON subscribed_notes (user_id, note_id);
"""


def server_tables(db: Database) -> None:
    """Create the server's tables (SQLite form)."""
    db.script(SERVER_TABLES_SQL)
