"""Helpers of the sync tests: an in-process server transport and a comparable view of a replica."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tokendeck.collection import Collection
from tokendeck.errors import SyncError, TokenDeckError
from tokendeck.storage.sync import local_uid
from tokendeck.sync.client import Response
from tokendeck.sync.protocol import INFO, PULL, PUSH


class InProcess:
    """A transport that hands each request to a server-side collection's facade methods.

    ``cut`` = (n, "request" or "answer") breaks the link at the n-th request: before
    the server sees it, or after it answered (the answer is lost).
    """

    url = "http://sync.test"

    def __init__(self, server: Collection, clock: Callable[[], datetime]) -> None:
        self.server = server
        self.clock = clock
        self.cut: tuple[int, str] | None = None
        self.calls = 0
        self.sent = 0
        #: (path, body size) of every request
        self.requests: list[tuple[str, int]] = []

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        self.calls += 1
        self.sent += len(body or b"")
        self.requests.append((path, len(body or b"")))
        if self.cut == (self.calls, "request"):
            raise SyncError("the connection dropped before the server saw the request (test)")
        try:
            if path == INFO:
                answer = Response(200, json.dumps(self.server.serve_sync_info()).encode())
            elif path == PUSH:
                result = self.server.serve_sync_push(body or b"", now=self.clock())
                answer = Response(200, json.dumps(result).encode())
            elif path == PULL:
                request = json.loads(body or b"{}")
                answer = Response(200, self.server.serve_sync_pull(request, now=self.clock()))
            else:
                answer = Response(404, b"{}")
        except TokenDeckError as exc:
            error = {"status": exc.status, "code": exc.code, "message": exc.message,
                     "hint": exc.hint}  # fmt: skip
            answer = Response(exc.status, json.dumps({"error": error}).encode())
        if self.cut == (self.calls, "answer"):
            raise SyncError("the connection dropped before the answer came back (test)")
        return answer


def view(col: Collection) -> dict[str, Any]:
    """Everything sync must make equal, keyed by identity (never by local id)."""
    db, user = col.store.db, col.user_id
    decks = {
        r[0]: r[1:]
        for r in db.fetchall(
            "SELECT guid, name, description, config FROM decks WHERE user_id=?", (user,)
        )
    }
    deck_guid = dict(db.fetchall("SELECT id, guid FROM decks WHERE user_id=?", (user,)))
    note_types = {
        r[0]: r[1:]
        for r in db.fetchall(
            "SELECT guid, name, kind, field_names, templates, css, latex_pre, latex_post,"
            " latex_svg, sort_field, source_id FROM note_types WHERE user_id=?",
            (user,),
        )
    }
    notes = {
        r[0]: r[1:]
        for r in db.fetchall(
            "SELECT n.guid, n.kind, n.front, n.back, n.tags, n.accepted, n.fields, n.source,"
            " n.source_note, t.guid, n.format FROM notes n"
            " LEFT JOIN note_types t ON t.user_id = n.user_id AND t.id = n.note_type_id"
            " WHERE n.user_id=?",
            (user,),
        )
    }
    keys = {}
    cards = {}
    for r in db.fetchall(
        "SELECT c.id, n.guid, c.ordinal, c.deck_id, c.suspended, c.buried_until, c.flag,"
        " c.state, c.due, c.step, c.stability, c.difficulty, c.last_review, c.reps, c.lapses"
        " FROM cards c JOIN notes n ON n.id = c.note_id WHERE c.user_id=?",
        (user,),
    ):
        key = f"{r[1]}:{r[2]}"
        keys[r[0]] = key
        rounded = [None if v is None else round(v, 9) for v in r[10:12]]
        cards[key] = (deck_guid.get(r[3]), *r[4:10], *rounded, *r[12:])
    for local, key in db.fetchall("SELECT card_id, key FROM sync_orphans WHERE user_id=?", (user,)):
        keys.setdefault(local, key)
    reviews = {}
    replica = col.store.sync.state().replica
    for r in db.fetchall(
        "SELECT uid, card_id, reviewed_at, rating, duration_ms, kind, state_before, state_after,"
        " id FROM reviews WHERE user_id=?",
        (user,),
    ):
        card = keys.get(r[1], f"orphan{r[1]}" if r[1] < 0 else None)
        uid = bytes(r[0]) if r[0] is not None else local_uid(replica, r[8], r[2])
        reviews[uid.hex()] = (card, *r[2:8])
    settings = dict(db.fetchall("SELECT key, value FROM settings WHERE user_id=?", (user,)))
    return {"decks": decks, "note_types": note_types, "notes": notes, "cards": cards,
            "reviews": reviews, "settings": settings}  # fmt: skip


def local_uids(col: Collection) -> set[str]:
    """Ids of the answers made on this replica."""
    replica = col.store.sync.state().replica
    rows = col.store.db.fetchall(
        "SELECT uid, id, reviewed_at FROM reviews WHERE user_id=? AND sync_origin=''",
        (col.user_id,),
    )
    # An answer made again in the millisecond of an undone one gets its own id when pushed.
    unnamed = col.store.sync.retired([(i, at) for uid, i, at in rows if uid is None])
    return {
        (bytes(uid) if uid is not None else local_uid(replica, i, at)).hex()
        for uid, i, at in rows
        if uid is not None or (i, at) not in unnamed
    }


def review_count(col: Collection) -> int:
    """Rows in the review log."""
    return int(col.store.db.scalar("SELECT count(*) FROM reviews WHERE user_id=?", (col.user_id,)))


def summary_is_true(col: Collection) -> bool:
    """Whether the statistics summary (review_slots) agrees with a recount of the log (rows
    counting nothing aside: an undo leaves its slot's row at zero)."""
    query = "SELECT * FROM review_slots WHERE user_id=? AND entries <> 0"
    kept = sorted(col.store.db.fetchall(query, (col.user_id,)), key=repr)
    with col.store.transaction():
        col.store.stats.rebuild()
    return kept == sorted(col.store.db.fetchall(query, (col.user_id,)), key=repr)
