"""Migration 9: what sync needs of every replica, in SQLite's form and PostgreSQL's.

Each synced row gains three columns:

* ``sync_seq``: the sequencing round in which the row last changed, NULL for a
  change not yet sequenced. A sync first gives every NULL row the next round
  number (one UPDATE per table), then sends the rows of the rounds the other
  side has not seen. Every write path (answers, edits, imports, repairs) only
  has to leave the column NULL, which the triggers below and the columns'
  default do;
* ``sync_origin``: who made the row's latest change: ``''`` this replica,
  ``'remote'`` (on a client) the server, a device's replica id (on a server)
  that device, ``'*'`` several (the merged row must travel back);
* ``sync_stamps`` (``sync_stamp`` for a setting): the hybrid-clock stamp of
  each field's latest edit (tokendeck/sync/clock.py), JSON.

Triggers stamp local edits where they happen, so no write path needs to know
about sync: an UPDATE of a synced column takes a stamp from the user's clock
(``sync_state.hlc``: after every stamp seen, not before the row's
``modified_at``), records it for each field that changed, and marks the row
changed; a DELETE leaves a tombstone (``sync_tombstones``). While a sync
applies the other side's rows (a row in ``sync_applying`` for the user, inside
that transaction) the triggers stand aside: the sync writes stamps and origins
itself.

Reviews gain ``uid``, their globally unique id. A review answered here keeps
it NULL: its id is derived from the replica's id, its local id and its time
(:func:`tokendeck.storage.sync.local_uid`), so a million reviews need no write
before their first push; a review from elsewhere stores the id it came with.
A client pushes its own reviews by local id (``sync_state.review_mark``, the
newest id pushed), not by round, so they are never rewritten at all; an undo
of one already pushed lowers the mark. Decks and note types gain ``guid``,
their identity across replicas (given when a sync first sends them: a deck's
from its name, a note type's from its name and shape, so the same one made on
two devices is one). A deleted card's reviews stay in the log under its id,
and ``sync_orphans`` names the card they belonged to; when a new card takes
that id (SQLite reuses the largest id) they move to an id no card will have
(2**62 less a clock stamp), so that the new card does not inherit another's
history. (The statistics
summary counts them under deck 0 either way.) ``note_history`` keeps every
field value that lost a merge.

A copy of a collection file, or one restored from a snapshot, holds the sync
state of the replica it was copied from, under the same id, while the server
has moved on with that replica. ``sync_state.session`` is a random token the
client and the server agree on at every sync (``sync_devices`` on the
server): a client that presents another one is such a copy, and becomes a new
replica before it syncs (tokendeck/sync/client.py).
"""

from __future__ import annotations

import hashlib

from tokendeck.storage.database import Database
from tokendeck.storage.decks import deck_guid
from tokendeck.storage.pg_schema import per_user

#: Per-user tables this step creates (row-level security and distribution on PostgreSQL).
SYNC_TABLES = (
    "sync_state",
    "sync_applying",
    "sync_devices",
    "sync_tombstones",
    "sync_orphans",
    "note_history",
)

_NOTE_FIELDS = ("kind", "front", "back", "tags", "accepted", "fields", "source", "source_note")
#: note stamp name -> the columns it covers (a note's note type travels by the type's GUID)
_NOTE_STAMPS: dict[str, tuple[str, ...]] = {
    **{f: (f,) for f in _NOTE_FIELDS},
    "note_type": ("note_type_id",),
    "format": ("format",),
}
_DECK_FIELDS = ("name", "description", "config")
_NOTE_TYPE_FIELDS = (
    "name",
    "kind",
    "field_names",
    "templates",
    "css",
    "latex_pre",
    "latex_post",
    "latex_svg",
    "sort_field",
    "source_id",
)
_SCHED = ("state", "due", "step", "stability", "difficulty", "last_review", "reps", "lapses")
#: card stamp name -> the columns it covers
_CARD_FIELDS = {
    "deck": ("deck_id",),
    "suspended": ("suspended",),
    "buried": ("buried_until",),
    "sched": _SCHED,
}


# -- SQLite ------------------------------------------------------------------------------------
_SQLITE_TABLES = """
CREATE TABLE sync_state (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    replica TEXT NOT NULL,
    hlc INTEGER NOT NULL DEFAULT 0,
    round INTEGER NOT NULL DEFAULT 0,
    server TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    remote TEXT NOT NULL DEFAULT '',
    pushed INTEGER NOT NULL DEFAULT 0,
    pulled INTEGER NOT NULL DEFAULT 0,
    review_mark INTEGER NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '{}',
    last_sync INTEGER,
    session TEXT NOT NULL DEFAULT '',
    next_session TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sync_applying (
    user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE sync_devices (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device TEXT NOT NULL,
    session TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device)
);
CREATE TABLE sync_tombstones (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    deleted INTEGER NOT NULL,
    local_id INTEGER,
    sync_seq INTEGER,
    sync_origin TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, kind, key)
);
CREATE INDEX sync_tombstones_seq ON sync_tombstones (user_id, sync_seq);
CREATE INDEX sync_tombstones_local ON sync_tombstones (user_id, kind, local_id);
CREATE TABLE sync_orphans (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    card_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (user_id, card_id)
);
CREATE TABLE note_history (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id INTEGER PRIMARY KEY,
    guid TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    stamp INTEGER NOT NULL,
    recorded_at INTEGER NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX note_history_guid ON note_history (user_id, guid);
"""

_COLUMNS = """
ALTER TABLE settings ADD COLUMN sync_seq INTEGER;
ALTER TABLE settings ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE settings ADD COLUMN sync_stamp BIGINT NOT NULL DEFAULT 0;
ALTER TABLE decks ADD COLUMN guid TEXT;
ALTER TABLE decks ADD COLUMN sync_seq INTEGER;
ALTER TABLE decks ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE decks ADD COLUMN sync_stamps TEXT NOT NULL DEFAULT '{}';
ALTER TABLE note_types ADD COLUMN guid TEXT;
ALTER TABLE note_types ADD COLUMN sync_seq INTEGER;
ALTER TABLE note_types ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE note_types ADD COLUMN sync_stamps TEXT NOT NULL DEFAULT '{}';
ALTER TABLE notes ADD COLUMN sync_seq INTEGER;
ALTER TABLE notes ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE notes ADD COLUMN sync_stamps TEXT NOT NULL DEFAULT '{}';
ALTER TABLE cards ADD COLUMN sync_seq INTEGER;
ALTER TABLE cards ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
ALTER TABLE cards ADD COLUMN sync_stamps TEXT NOT NULL DEFAULT '{}';
ALTER TABLE reviews ADD COLUMN uid @BYTES;
ALTER TABLE reviews ADD COLUMN sync_seq INTEGER;
ALTER TABLE reviews ADD COLUMN sync_origin TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX decks_guid ON decks (user_id, guid);
CREATE UNIQUE INDEX note_types_guid ON note_types (user_id, guid);
CREATE INDEX note_types_sync ON note_types (user_id, sync_seq);
CREATE UNIQUE INDEX reviews_uid ON reviews (user_id, uid);
CREATE INDEX settings_sync ON settings (user_id, sync_seq);
CREATE INDEX decks_sync ON decks (user_id, sync_seq);
CREATE INDEX notes_sync ON notes (user_id, sync_seq);
CREATE INDEX cards_sync ON cards (user_id, sync_seq);
CREATE INDEX reviews_sync ON reviews (user_id, sync_seq);
CREATE INDEX reviews_local ON reviews (user_id, id) WHERE sync_origin = '';
"""

#: A review's key in a tombstone: its id, or (answered here) what its id is derived from.
_SQLITE_REVIEW_KEY = (  # (hex(NULL) is '', not NULL)
    "CASE WHEN old.uid IS NULL THEN 'local:' || old.id || ':' || old.reviewed_at"
    " ELSE lower(hex(old.uid)) END"
)
_NOT_APPLYING = "NOT EXISTS (SELECT 1 FROM sync_applying WHERE user_id = {row}.user_id)"
#: A deleted card's key, read from its note (still there: its cards go first).
_CARD_KEY = "(SELECT guid FROM notes WHERE id = old.note_id) || ':' || old.ordinal"
#: Where a deleted card's reviews go when a new card takes its id (SQLite reuses the largest
#: id): an id no card will have, 2**62 less the clock's stamp then (unique for the user),
#: above every card id, so that a sync's recount of the statistics summary "from the
#: first new card on" (tokendeck/sync/incoming.py) still finds them.
_MOVED = "(4611686018427387904 - (SELECT hlc FROM sync_state WHERE user_id = new.user_id))"
#: A row deleted because its user is (an account deleted): no tombstone for nobody.
_USER_STAYS = "EXISTS (SELECT 1 FROM users WHERE id = old.user_id)"


def _sqlite_tick(row: str, physical: str) -> str:
    """The statement that moves the user's clock for an event of ``row``."""
    return (
        "INSERT INTO sync_state (user_id, replica, hlc)"
        f" VALUES ({row}.user_id, lower(hex(randomblob(8))), ({physical}) * 65536)"
        " ON CONFLICT (user_id) DO UPDATE SET hlc = max(sync_state.hlc + 1, excluded.hlc);"
    )


def _sqlite_stamps(fields: dict[str, tuple[str, ...]]) -> str:
    """``sync_stamps`` with the clock's stamp set on every field whose columns changed.

    One flat ``json_set`` whose paths are chosen per field (an unchanged field's
    stamp goes to a scratch key, removed after): nesting one CASE per field
    overflows SQLite's parser stack for a table of ten fields.
    """
    now = "(SELECT hlc FROM sync_state WHERE user_id = new.user_id)"
    pairs = ", ".join(
        f"CASE WHEN {' OR '.join(f'old.{c} IS NOT new.{c}' for c in cols)}"
        f" THEN '$.{name}' ELSE '$._' END, {now}"
        for name, cols in fields.items()
    )
    return f"json_remove(json_set(sync_stamps, {pairs}), '$._')"


def _sqlite_edit(table: str, fields: dict[str, tuple[str, ...]]) -> str:
    cols = [c for group in fields.values() for c in group]
    changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in cols)
    return f"""
CREATE TRIGGER {table}_sync_edit AFTER UPDATE OF {", ".join(cols)} ON {table}
WHEN ({changed}) AND {_NOT_APPLYING.format(row="new")}
BEGIN
    {_sqlite_tick("new", "new.modified_at")}
    UPDATE {table} SET sync_seq = NULL, sync_origin = '', sync_stamps = {_sqlite_stamps(fields)}
    WHERE id = new.id;
END;
"""


def _sqlite_tombstone(kind: str, key: str, physical: str | None, local: str = "old.id") -> str:
    """Statements recording a deletion (the clock ticks first unless ``physical`` is None)."""
    tick = "" if physical is None else _sqlite_tick("old", physical)
    return f"""
    {tick}
    INSERT INTO sync_tombstones (user_id, kind, key, deleted, local_id, sync_seq, sync_origin)
    VALUES (old.user_id, '{kind}', {key},
            (SELECT hlc FROM sync_state WHERE user_id = old.user_id), {local}, NULL, '')
    ON CONFLICT (user_id, kind, key) DO UPDATE SET deleted = max(deleted, excluded.deleted),
        local_id = excluded.local_id, sync_seq = NULL, sync_origin = '';"""


_SQLITE_TRIGGERS = (
    _sqlite_edit("notes", _NOTE_STAMPS),
    _sqlite_edit("decks", {f: (f,) for f in _DECK_FIELDS}),
    _sqlite_edit("note_types", {f: (f,) for f in _NOTE_TYPE_FIELDS}),
    f"""
CREATE TRIGGER settings_sync_put AFTER INSERT ON settings
WHEN {_NOT_APPLYING.format(row="new")}
BEGIN
    {_sqlite_tick("new", "0")}
    UPDATE settings SET sync_seq = NULL, sync_origin = '',
        sync_stamp = (SELECT hlc FROM sync_state WHERE user_id = new.user_id)
    WHERE user_id = new.user_id AND key = new.key;
END;
CREATE TRIGGER settings_sync_edit AFTER UPDATE OF value ON settings
WHEN old.value IS NOT new.value AND {_NOT_APPLYING.format(row="new")}
BEGIN
    {_sqlite_tick("new", "0")}
    UPDATE settings SET sync_seq = NULL, sync_origin = '',
        sync_stamp = (SELECT hlc FROM sync_state WHERE user_id = new.user_id)
    WHERE user_id = new.user_id AND key = new.key;
END;
""",
    # A note's cards go first, one by one while the note is there: each is tombstoned
    # by its key (note GUID and ordinal), which the cascade could no longer read.
    f"""
CREATE TRIGGER notes_sync_cards_first BEFORE DELETE ON notes
WHEN {_NOT_APPLYING.format(row="old")} AND {_USER_STAYS}
BEGIN
    DELETE FROM cards WHERE user_id = old.user_id AND note_id = old.id;
END;
CREATE TRIGGER notes_sync_delete AFTER DELETE ON notes
WHEN {_NOT_APPLYING.format(row="old")} AND {_USER_STAYS}
BEGIN{_sqlite_tombstone("note", "old.guid", "max(old.modified_at, old.created_at + 1)")}
END;
CREATE TRIGGER cards_sync_delete AFTER DELETE ON cards
WHEN {_NOT_APPLYING.format(row="old")} AND {_USER_STAYS}
    AND EXISTS (SELECT 1 FROM notes WHERE id = old.note_id)
BEGIN
    {_sqlite_tick("old", "max(old.modified_at, old.created_at + 1)")}
    INSERT INTO sync_orphans (user_id, card_id, key) VALUES (old.user_id, old.id, {_CARD_KEY})
    ON CONFLICT (user_id, card_id) DO UPDATE SET key = excluded.key;{
        _sqlite_tombstone("card", _CARD_KEY, None, "old.id")
    }
END;
CREATE TRIGGER cards_sync_reuse AFTER INSERT ON cards
WHEN EXISTS (SELECT 1 FROM sync_orphans WHERE user_id = new.user_id AND card_id = new.id)
BEGIN
    {_sqlite_tick("new", "new.created_at")}
    UPDATE reviews SET card_id = {_MOVED} WHERE user_id = new.user_id AND card_id = new.id;
    UPDATE sync_orphans SET card_id = {_MOVED} WHERE user_id = new.user_id AND card_id = new.id;
END;
CREATE TRIGGER decks_sync_delete AFTER DELETE ON decks
WHEN {_NOT_APPLYING.format(row="old")} AND {_USER_STAYS} AND old.guid IS NOT NULL
BEGIN{_sqlite_tombstone("deck", "old.guid", "max(old.modified_at, old.created_at + 1)")}
END;
CREATE TRIGGER reviews_sync_delete AFTER DELETE ON reviews
WHEN {_NOT_APPLYING.format(row="old")} AND {_USER_STAYS}
BEGIN{_sqlite_tombstone("review", _SQLITE_REVIEW_KEY, "old.reviewed_at + 1", "old.card_id")}
    UPDATE sync_state SET review_mark = old.id - 1
    WHERE user_id = old.user_id AND review_mark >= old.id AND old.sync_origin = '';
END;
""",
)


def _card_fields(db: Database, columns: str) -> dict[str, tuple[str, ...]]:
    """The card fields the edit trigger stamps: a card's flag too where the column is
    (step 6 adds it; on a file that met step 9 first the flag is not synced)."""
    has_flag = db.scalar(columns, ("cards", "flag")) is not None
    return {**_CARD_FIELDS, "flag": ("flag",)} if has_flag else dict(_CARD_FIELDS)


def sqlite_form(db: Database) -> None:
    """Step 9 for SQLite."""
    db.script(_SQLITE_TABLES)
    db.script(_COLUMNS.replace("@BYTES", "BLOB"))
    for trigger in _SQLITE_TRIGGERS:
        db.script(trigger)
    in_table = "SELECT 1 FROM pragma_table_info(?) WHERE name = ?"
    db.script(_sqlite_edit("cards", _card_fields(db, in_table)))
    _name_decks(db)


# -- PostgreSQL ----------------------------------------------------------------------------------
_PG_TABLES = """
CREATE TABLE sync_state (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    replica TEXT NOT NULL,
    hlc BIGINT NOT NULL DEFAULT 0,
    round BIGINT NOT NULL DEFAULT 0,
    server TEXT NOT NULL DEFAULT '',
    account TEXT NOT NULL DEFAULT '',
    remote TEXT NOT NULL DEFAULT '',
    pushed BIGINT NOT NULL DEFAULT 0,
    pulled BIGINT NOT NULL DEFAULT 0,
    review_mark BIGINT NOT NULL DEFAULT 0,
    progress TEXT NOT NULL DEFAULT '{}',
    last_sync BIGINT,
    session TEXT NOT NULL DEFAULT '',
    next_session TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sync_applying (
    user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE
);
CREATE TABLE sync_devices (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    device TEXT COLLATE "C" NOT NULL,
    session TEXT NOT NULL,
    seen_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, device)
);
CREATE TABLE sync_tombstones (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL,
    key TEXT COLLATE "C" NOT NULL,
    deleted BIGINT NOT NULL,
    local_id BIGINT,
    sync_seq BIGINT,
    sync_origin TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (user_id, kind, key)
);
CREATE INDEX sync_tombstones_seq ON sync_tombstones (user_id, sync_seq);
CREATE INDEX sync_tombstones_local ON sync_tombstones (user_id, kind, local_id);
CREATE TABLE sync_orphans (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    card_id BIGINT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (user_id, card_id)
);
CREATE TABLE note_history (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    id BIGINT GENERATED BY DEFAULT AS IDENTITY,
    guid TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT,
    stamp BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX note_history_guid ON note_history (user_id, guid);

CREATE FUNCTION sync_applying(who BIGINT) RETURNS BOOLEAN LANGUAGE sql STABLE
    AS $$ SELECT EXISTS (SELECT 1 FROM sync_applying WHERE user_id = who)
              OR NOT EXISTS (SELECT 1 FROM users WHERE id = who) $$;
CREATE FUNCTION sync_tick(who BIGINT, physical BIGINT) RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE stamp BIGINT;
BEGIN
    INSERT INTO sync_state (user_id, replica, hlc)
    VALUES (who, substr(md5(random()::text), 1, 16), physical * 65536)
    ON CONFLICT (user_id) DO UPDATE SET hlc = greatest(sync_state.hlc + 1, excluded.hlc)
    RETURNING hlc INTO stamp;
    RETURN stamp;
END $$;
CREATE FUNCTION sync_bury(who BIGINT, what TEXT, name TEXT, stamp BIGINT, local BIGINT)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO sync_tombstones (user_id, kind, key, deleted, local_id, sync_seq, sync_origin)
    VALUES (who, what, name, stamp, local, NULL, '')
    ON CONFLICT (user_id, kind, key) DO UPDATE
    SET deleted = greatest(sync_tombstones.deleted, excluded.deleted),
        local_id = excluded.local_id, sync_seq = NULL, sync_origin = ''
$$;
"""


def _pg_edit(table: str, fields: dict[str, tuple[str, ...]]) -> str:
    cols = [c for group in fields.values() for c in group]
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in cols)
    stamps = "\n".join(
        f"    IF {' OR '.join(f'NEW.{c} IS DISTINCT FROM OLD.{c}' for c in group)} THEN"
        f" s := s || jsonb_build_object('{name}', h); END IF;"
        for name, group in fields.items()
    )
    return f"""
CREATE FUNCTION {table}_sync_edit() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE h BIGINT; s jsonb;
BEGIN
    IF NOT ({changed}) OR sync_applying(NEW.user_id) THEN RETURN NEW; END IF;
    h := sync_tick(NEW.user_id, NEW.modified_at);
    s := NEW.sync_stamps::jsonb;
{stamps}
    NEW.sync_stamps := s::text;
    NEW.sync_seq := NULL;
    NEW.sync_origin := '';
    RETURN NEW;
END $$;
CREATE TRIGGER {table}_sync_edit BEFORE UPDATE OF {", ".join(cols)} ON {table}
    FOR EACH ROW EXECUTE FUNCTION {table}_sync_edit();
"""


_PG_TRIGGERS = (
    _pg_edit("notes", _NOTE_STAMPS),
    _pg_edit("decks", {f: (f,) for f in _DECK_FIELDS}),
    _pg_edit("note_types", {f: (f,) for f in _NOTE_TYPE_FIELDS}),
    """
CREATE FUNCTION settings_sync_put() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.value IS NOT DISTINCT FROM OLD.value THEN RETURN NEW; END IF;
    IF sync_applying(NEW.user_id) THEN RETURN NEW; END IF;
    NEW.sync_stamp := sync_tick(NEW.user_id, 0);
    NEW.sync_seq := NULL;
    NEW.sync_origin := '';
    RETURN NEW;
END $$;
CREATE TRIGGER settings_sync_put BEFORE INSERT OR UPDATE OF value ON settings
    FOR EACH ROW EXECUTE FUNCTION settings_sync_put();

CREATE FUNCTION notes_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sync_applying(OLD.user_id) THEN RETURN OLD; END IF;
    -- Its cards go first, one by one while the note is there (each tombstoned by its key).
    DELETE FROM cards WHERE user_id = OLD.user_id AND note_id = OLD.id;
    PERFORM sync_bury(OLD.user_id, 'note', OLD.guid,
        sync_tick(OLD.user_id, greatest(OLD.modified_at, OLD.created_at + 1)), OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER notes_sync_delete BEFORE DELETE ON notes
    FOR EACH ROW EXECUTE FUNCTION notes_sync_delete();

CREATE FUNCTION cards_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE guid TEXT; h BIGINT;
BEGIN
    IF sync_applying(OLD.user_id) THEN RETURN OLD; END IF;
    SELECT n.guid INTO guid FROM notes n WHERE n.user_id = OLD.user_id AND n.id = OLD.note_id;
    IF guid IS NULL THEN RETURN OLD; END IF;
    -- Its reviews stay under its id; sync_orphans names the card they belonged to.
    h := sync_tick(OLD.user_id, greatest(OLD.modified_at, OLD.created_at + 1));
    INSERT INTO sync_orphans (user_id, card_id, key)
    VALUES (OLD.user_id, OLD.id, guid || ':' || OLD.ordinal)
    ON CONFLICT (user_id, card_id) DO UPDATE SET key = excluded.key;
    PERFORM sync_bury(OLD.user_id, 'card', guid || ':' || OLD.ordinal, h, OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER cards_sync_delete AFTER DELETE ON cards
    FOR EACH ROW EXECUTE FUNCTION cards_sync_delete();

CREATE FUNCTION cards_sync_reuse() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE h BIGINT;
BEGIN
    -- A new card with a deleted card's id (a restore's explicit ids): the old reviews move
    -- to an id no card will have (above every card id), with their name.
    IF NOT EXISTS (SELECT 1 FROM sync_orphans
                   WHERE user_id = NEW.user_id AND card_id = NEW.id) THEN
        RETURN NEW;
    END IF;
    h := 4611686018427387904 - sync_tick(NEW.user_id, NEW.created_at);
    UPDATE reviews SET card_id = h WHERE user_id = NEW.user_id AND card_id = NEW.id;
    UPDATE sync_orphans SET card_id = h WHERE user_id = NEW.user_id AND card_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER cards_sync_reuse AFTER INSERT ON cards
    FOR EACH ROW EXECUTE FUNCTION cards_sync_reuse();

CREATE FUNCTION decks_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.guid IS NULL OR sync_applying(OLD.user_id) THEN RETURN OLD; END IF;
    PERFORM sync_bury(OLD.user_id, 'deck', OLD.guid,
        sync_tick(OLD.user_id, greatest(OLD.modified_at, OLD.created_at + 1)), OLD.id);
    RETURN OLD;
END $$;
CREATE TRIGGER decks_sync_delete AFTER DELETE ON decks
    FOR EACH ROW EXECUTE FUNCTION decks_sync_delete();

CREATE FUNCTION reviews_sync_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF sync_applying(OLD.user_id) THEN RETURN OLD; END IF;
    PERFORM sync_bury(OLD.user_id, 'review',
        coalesce(encode(OLD.uid, 'hex'), 'local:' || OLD.id || ':' || OLD.reviewed_at),
        sync_tick(OLD.user_id, OLD.reviewed_at + 1), OLD.card_id);
    IF OLD.sync_origin = '' THEN
        UPDATE sync_state SET review_mark = OLD.id - 1
        WHERE user_id = OLD.user_id AND review_mark >= OLD.id;
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER reviews_sync_delete AFTER DELETE ON reviews
    FOR EACH ROW EXECUTE FUNCTION reviews_sync_delete();
""",
)


def postgres_form(db: Database) -> None:
    """Step 9 for PostgreSQL: BIGINT integers, row-level security on the new per-user tables."""
    db.script(_PG_TABLES)
    db.script(_COLUMNS.replace("@BYTES", "BYTEA").replace(" INTEGER", " BIGINT"))
    for trigger in _PG_TRIGGERS:
        db.script(trigger)
    in_table = (
        "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema()"
        " AND table_name = ? AND column_name = ?"
    )
    db.script(_pg_edit("cards", _card_fields(db, in_table)))
    for table in SYNC_TABLES:
        db.script(per_user(table))
    _name_decks(db)


def _name_decks(db: Database) -> None:
    """Give every existing deck its GUID (from its name, as a new deck gets)."""
    rows = db.fetchall("SELECT id, user_id, name FROM decks")
    taken: set[tuple[int, str]] = set()
    updates = []
    for deck_id, user_id, name in rows:
        guid = deck_guid(name)
        if (user_id, guid) in taken:  # two names differing only in case
            guid = hashlib.sha1(f"deck:{deck_id}:{name}".encode()).hexdigest()[:32]
        taken.add((user_id, guid))
        updates.append((guid, deck_id))
    if updates:
        db.executemany("UPDATE decks SET guid = ? WHERE id = ?", updates)
