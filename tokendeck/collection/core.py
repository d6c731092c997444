"""The core every part of the collection shares: storage, user, calendar and caches.

Anki's ``Collection`` holds its managers (decks, scheduler, media) and each
manager holds the collection. Here the parts (:mod:`.decks`, :mod:`.notes`,
:mod:`.study`, ...) hold this one declared core instead of each other's
private state, so what they share is written down in one place: the
storage object, the user, the settings and calendar, and the caches that
must be forgotten together when the data changes underneath them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import Deck
from tokendeck.domain.notetypes import NoteType
from tokendeck.domain.settings import Settings
from tokendeck.scheduling.queue import StudyQueue
from tokendeck.scheduling.scheduler import Plan, Scheduler
from tokendeck.storage import Store
from tokendeck.storage.vectors import VectorCache

#: A cached queue's key: the kind of session ("study", "learn", "custom"), the decks it
#: draws from (a deck and its subdecks, by id; None for every deck) and the study day.
QueueKey = tuple[str, tuple[int, ...] | None, date]

#: The one user of the single-user app (CLI, terminal, ``tokendeck serve``).
LOCAL_USER = "local"


@dataclass
class Caches:
    """What the parts keep in memory between calls; all of it is derived from the database."""

    settings: Settings | None = None
    calendar: Calendar | None = None
    #: deck id -> its scheduler (built from the deck's options and the calendar)
    schedulers: dict[int, Scheduler] = field(default_factory=dict)
    #: deck id -> name, for card views
    deck_names: dict[int, str] = field(default_factory=dict)
    #: every deck with the options in force (what Decks.all returns)
    decks: list[Deck] | None = None
    #: (session kind, deck ids or None for every deck, study day) -> that session's queue
    queues: dict[QueueKey, StudyQueue] = field(default_factory=dict)
    #: card id -> its answers worked out when it was shown (the newest few cards)
    plans: dict[int, Plan] = field(default_factory=dict)
    #: note type id -> note type, for rendering cards (read whole on first use)
    note_types: dict[int, NoteType] | None = None


def server_media_root() -> Path:
    """Where a PostgreSQL-backed server keeps its users' media folders."""
    configured = os.environ.get("TOKENDECK_MEDIA_DIR")
    if configured:
        return Path(configured)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tokendeck", appauthor=False)) / "server-media"


class Core:
    """Storage, user, settings, calendar and caches, shared by every part of a collection."""

    def __init__(self, store: Store, user_name: str, fuzz_seed: int | None = 0) -> None:
        self.store = store
        self.user_id = store.user_id
        self.user_name = user_name
        #: Seed of the interval fuzz (None: random); tests pin it.
        self.fuzz_seed = fuzz_seed
        self.caches = Caches()
        self._version = -1
        self._vectors: VectorCache | None = None
        #: Leave work that can take seconds to a background worker (a web server): a
        #: search does not rebuild a stale full-text index, and quiz features raise
        #: NotPreparedError instead of computing a deck's similarities.
        self.defer_slow_work = False
        #: Open bursts (see :meth:`burst`) and whether one of them has looked already.
        self._bursts = 0
        self._looked = False

    # -- settings and calendar -------------------------------------------------------------
    def settings(self) -> Settings:
        """Rollover hour and time zone."""
        if self.caches.settings is None:
            self.caches.settings = Settings.from_stored(self.store.settings.all())
        return self.caches.settings

    def update_settings(self, **changes: Any) -> Settings:
        """Change settings (``rollover_hour``, ``timezone``); validated before storing."""
        updated = replace(self.settings(), **changes)
        updated.calendar()  # validates both values
        with self.store.transaction():
            for key, value in changes.items():
                self.store.settings.put(key, value)
        self.forget()
        self.caches.settings = updated
        return updated

    @property
    def calendar(self) -> Calendar:
        """The learner's study-day calendar."""
        if self.caches.calendar is None:
            self.caches.calendar = self.settings().calendar()
            # The statistics summary counts days in the calendar the collection uses.
            self.store.summary.calendar = self.caches.calendar
        return self.caches.calendar

    # -- the collection's files --------------------------------------------------------------
    def media_dir(self) -> Path:
        """Folder of media files (images, audio) referenced by card text.

        Beside the collection file (a folder per user inside it for anyone but the
        single-user app's "local" user); on a PostgreSQL server one folder per user
        under ``TOKENDECK_MEDIA_DIR`` (a volume every app server shares).
        """
        location = self.store.location
        if self.store.on_server:
            return server_media_root() / f"user-{self.user_id}"
        if location == ":memory:":
            return Path.cwd() / "tokendeck-media"
        folder = Path(location).with_name(Path(location).stem + ".media")
        # A file several users share (a small server on SQLite): a folder each, as on
        # PostgreSQL, so nobody can ask for another's pictures by name.
        return folder if self.user_name == LOCAL_USER else folder / f"user-{self.user_id}"

    def vector_cache(self) -> VectorCache | None:
        """The disk cache of embedding vectors beside the collection (None in memory).

        On a PostgreSQL server, one per user beside that user's media folder (not in it:
        the media route serves that folder).
        """
        location = self.store.location
        if location == ":memory:":
            return None
        if self._vectors is None:
            if self.store.on_server:
                folder = server_media_root() / f"user-{self.user_id}.cache"
            else:
                folder = Path(location).with_name(Path(location).stem + ".cache")
            self._vectors = VectorCache(folder / "vectors.sqlite3")
        return self._vectors

    def close(self) -> None:
        """Close the database and the vector cache."""
        if self._vectors is not None:
            self._vectors.close()
        self.store.close()

    # -- caches ------------------------------------------------------------------------------
    def sync(self) -> None:
        """Forget every cache if another connection committed since we last looked.

        Inside a :meth:`burst` only the first call looks.
        """
        if self._looked:
            return
        version = self.store.data_version()
        if version != self._version:
            self.forget()
            self._version = version
        self._looked = self._bursts > 0

    @contextmanager
    def burst(self) -> Iterator[None]:
        """Calls that together answer one request: other writers' changes are looked for once.

        Each facade call asks the database whether another connection committed (on
        PostgreSQL a round trip each); a web request makes four or five calls in a row, and
        one look at its start is as good. This collection's own changes keep its caches
        right as always. Bursts may nest or overlap (requests interleaving on one event
        loop); the next look comes after the last one ends.
        """
        self._bursts += 1
        try:
            yield
        finally:
            self._bursts -= 1
            if not self._bursts:
                self._looked = False

    def forget(self) -> None:
        """Drop every cache (after a change that any of them may depend on)."""
        self.caches = Caches()
