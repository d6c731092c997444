"""Migration 7: the multi-user server's tables, in SQLite's form and PostgreSQL's.

Kept apart from :mod:`tokendeck.storage.migrations` because it is one large
step. The single-user app never writes these tables, but every collection has
them, so one schema (and one ``SCHEMA_VERSION``) serves both modes.

Which table is whose (the rules of :mod:`tokendeck.storage.pg_schema`):

* **per-user** tables, behind row-level security on PostgreSQL, with
  ``user_id`` first in every key: ``accounts`` (the password hash),
  ``sessions``, ``api_tokens``, ``subscriptions`` and ``subscribed_notes``
  (a learner's copies of the class decks). A subscription names its
  publication without a foreign key (every key of a per-user table holds
  ``user_id``): one that outlives its publication is simply never behind again;
* **shared** tables (``pg_schema.REFERENCE_TABLES``, replicated whole by Citus):
  ``login_attempts``, ``invites``, ``classes``, ``memberships``,
  ``publications``, ``publication_versions``, ``published_notes``; and the
  account's role, a new column of the shared ``users`` table, since admins and
  class pages need everyone's role and name (never their password hash).
"""

from __future__ import annotations

from tokendeck.storage.database import Database
from tokendeck.storage.pg_schema import per_user

#: The shared tables this step adds are listed in pg_schema.REFERENCE_TABLES.
#: The per-user tables this step adds (row-level security on PostgreSQL).
PER_USER_TABLES = ("accounts", "sessions", "api_tokens", "subscriptions", "subscribed_notes")

_ROLES = "CHECK (role IN ('admin', 'teacher', 'learner'))"

# The shared tables are written once for both backends: INTEGER is 64 bits in SQLite,
# and becomes BIGINT for PostgreSQL (postgres_form); @ID is each backend's id column.
_SHARED = f"""
ALTER TABLE users ADD COLUMN role TEXT {_ROLES};
CREATE TABLE login_attempts (
    key TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures INTEGER NOT NULL
);
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL {_ROLES},
    created_by INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    used_at INTEGER
);
CREATE TABLE classes (
    id @ID,
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
    id @ID,
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
"""

_PER_USER_SQLITE = """
CREATE TABLE accounts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
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
CREATE TABLE subscriptions (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publication_id INTEGER NOT NULL,
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

_PER_USER_POSTGRES = """
CREATE TABLE accounts (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE TABLE sessions (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    last_seen BIGINT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE TABLE api_tokens (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id BIGINT GENERATED BY DEFAULT AS IDENTITY,
    hash TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT,
    PRIMARY KEY (user_id, id),
    UNIQUE (user_id, hash)
);
CREATE TABLE subscriptions (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL,
    deck_id BIGINT NOT NULL,
    version BIGINT NOT NULL,
    subscribed_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, publication_id),
    FOREIGN KEY (user_id, deck_id) REFERENCES decks (user_id, id) ON DELETE CASCADE
);
CREATE TABLE subscribed_notes (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publication_id BIGINT NOT NULL,
    guid TEXT NOT NULL,
    note_id BIGINT NOT NULL,
    received TEXT NOT NULL,
    pending TEXT,
    pending_version BIGINT,
    suspended BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, publication_id, guid),
    FOREIGN KEY (user_id, publication_id)
        REFERENCES subscriptions (user_id, publication_id) ON DELETE CASCADE
);
CREATE INDEX subscribed_notes_note ON subscribed_notes (user_id, note_id);
"""


def sqlite_form(db: Database) -> None:
    """Step 7 for SQLite."""
    db.script(_SHARED.replace("@ID", "INTEGER PRIMARY KEY"))
    db.script(_PER_USER_SQLITE)


def postgres_form(db: Database) -> None:
    """Step 7 for PostgreSQL: BIGINT integers, identity ids, row-level security per user."""
    shared = _SHARED.replace(" INTEGER", " BIGINT")
    db.script(shared.replace("@ID", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"))
    db.script(_PER_USER_POSTGRES)
    for table in PER_USER_TABLES:
        db.script(per_user(table))
