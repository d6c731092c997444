"""The collection: the one facade the CLI, the TUI and the web app call.

A :class:`Collection` is composed of parts that share one declared
:class:`~tokendeck.collection.core.Core` (storage, user, calendar, caches), as
Anki's collection holds its managers:

* :class:`~tokendeck.collection.decks.Decks`: decks, their options and schedulers;
* :class:`~tokendeck.collection.notes.Notes`: notes and their cards, search;
* :class:`~tokendeck.collection.study.Study`: queues, the one answer path, undo;
* :class:`~tokendeck.collection.quizzes.Quizzes`: question formats, Learn and Test;
* :class:`~tokendeck.collection.statistics.Statistics`: the review log, charts;
* :class:`~tokendeck.collection.transfers.Transfers`: import, export, backup, restore;
* :class:`~tokendeck.collection.check.Check`: finding damage and repairing what is safe.

Its public methods (the library API, documented in docs/ARCHITECTURE.md)
delegate to them. Every call that depends on time takes ``now``; every change
is one transaction.
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from tokendeck.collection.check import Check, CheckReport
from tokendeck.collection.core import Core
from tokendeck.collection.custom import CustomStudies, CustomStudy
from tokendeck.collection.decks import DeckDeletion, Decks
from tokendeck.collection.media import Media, MediaCheck
from tokendeck.collection.notes import CardPage, Notes
from tokendeck.collection.pending import Pending
from tokendeck.collection.quizzes import Quizzes
from tokendeck.collection.statistics import Statistics
from tokendeck.collection.study import Answer, AnswerResult, MemoryState, Study
from tokendeck.collection.syncing import NoteVersion, Syncing, SyncStatus
from tokendeck.collection.transfers import Transfers
from tokendeck.domain.attempts import Attempt, LoggedAttempt
from tokendeck.domain.cards import Card, CardView, Rating
from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import Deck, DeckConfig, DeckCounts, DeckNode, deck_tree
from tokendeck.domain.notes import Note
from tokendeck.domain.notetypes import NoteType
from tokendeck.domain.reviews import Review
from tokendeck.domain.settings import Settings
from tokendeck.scheduling.queue import QueueCounts, StudyQueue
from tokendeck.storage import Store
from tokendeck.storage.database import is_server_url
from tokendeck.storage.rows import to_ms

if TYPE_CHECKING:
    from tokendeck.backup.restore import RestoreResult
    from tokendeck.grading import Grader
    from tokendeck.memory.workload import Inputs
    from tokendeck.quiz.cloze import ClozeSuggestion
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.items import Item
    from tokendeck.quiz.learn import LearnPolicy
    from tokendeck.quiz.links import ConfusablePair, Graph, Related
    from tokendeck.quiz.lint import LintIssue
    from tokendeck.quiz.marking import Mark, Response
    from tokendeck.quiz.practice_test import PracticeTest, TestScore
    from tokendeck.quiz.similarity import Similarities
    from tokendeck.sync.client import Report as SyncReport
    from tokendeck.sync.client import Transport
    from tokendeck.sync.outgoing import Limits
    from tokendeck.transfer.importing import ImportResult
    from tokendeck.transfer.package import Package

__all__ = [
    "Answer",
    "AnswerResult",
    "CardPage",
    "CheckReport",
    "Collection",
    "CustomStudy",
    "DeckDeletion",
    "MemoryState",
    "Settings",
    "database_url",
    "default_path",
]


def default_path() -> Path:
    """Where the collection lives unless ``--db``/``TOKENDECK_DB`` says otherwise."""
    env = os.environ.get("TOKENDECK_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tokendeck", appauthor=False)) / "collection.db"


#: The first bytes of every SQLite database file.
_SQLITE_HEADER = b"SQLite format 3\x00"


def _refuse_a_lost_collection(path: Path) -> None:
    """Refuse to open a collection file that is missing or emptied while its backups exist,
    or that is not a database at all: silently starting a fresh collection there would
    let the daily backups of the real one rotate away."""
    from tokendeck.backup.daily import latest_backup
    from tokendeck.errors import StorageError

    size = path.stat().st_size if path.is_file() else None
    if size:
        with path.open("rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
                return
        latest = latest_backup(path)
        raise StorageError(
            f"{path} is not a TokenDeck collection, or it is damaged",
            hint=f"restore the latest backup: tokendeck restore {latest}"
            if latest
            else "restore a backup with `tokendeck restore FILE`, or choose another --db",
        )
    latest = latest_backup(path)
    if latest is None:
        return  # a new collection
    state = "empty" if size == 0 else "missing"
    raise StorageError(
        f"the collection {path} is {state}, but backups of it exist",
        hint=f"restore the latest: tokendeck restore {latest} (to start a new collection "
        f"here instead, move the folder {latest.parent} away)",
    )


def database_url() -> str | None:
    """The PostgreSQL database of a server, from ``TOKENDECK_DATABASE_URL`` (None if unset)."""
    return os.environ.get("TOKENDECK_DATABASE_URL") or None


class Collection:
    """A learner's decks, notes, cards and review log."""

    def __init__(self, store: Store, user_name: str, fuzz_seed: int | None = 0) -> None:
        core = Core(store, user_name, fuzz_seed)
        self._core = core
        self._decks = Decks(core)
        self._notes = Notes(core, self._decks)
        self._study = Study(core, self._decks, self._notes)
        self._custom = CustomStudies(core, self._decks, self._notes)
        self._quizzes = Quizzes(self._decks, self._notes, self._study)
        self._statistics = Statistics(core, self._decks, self._notes)
        self._transfers = Transfers(core, self._decks)
        self._check = Check(core, self._decks, self._notes)
        self._media = Media(core)
        self._pending = Pending(core)
        self._syncing = Syncing(core, self._decks, self._notes)

    # -- opening and closing ---------------------------------------------------------------
    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        user: str = "local",
        now: datetime | None = None,
        install_builtin: bool = True,
        fuzz_seed: int | None = 0,
    ) -> Collection:
        """Open (creating if needed) a collection; installs the built-in deck into an empty one.

        ``path`` is a collection file, or a ``postgresql://`` URL: ``user``'s
        collection in a PostgreSQL database (see :func:`database_url`).
        """
        from tokendeck import clock

        moment = now or clock.now()
        target = path or default_path()
        if str(target) != ":memory:" and not is_server_url(str(target)):
            _refuse_a_lost_collection(Path(target))
        col = cls(Store.open(target, user, to_ms(moment)), user, fuzz_seed)
        if install_builtin:
            try:
                col.update_builtin(now=moment)
            except BaseException:
                col.close()
                raise
        return col

    def update_builtin(self, *, now: datetime) -> str:
        """Install the built-in deck into an empty collection, or update its text when this
        TokenDeck ships a newer version; returns "installed", "updated" or "current"."""
        from tokendeck.collection.builtin import sync_builtin

        return sync_builtin(self._core, self._decks, self._transfers, now)

    @property
    def user_id(self) -> int:
        """The id of the collection's user."""
        return self._core.user_id

    @property
    def user_name(self) -> str:
        """The name of the collection's user ("local" in the single-user app)."""
        return self._core.user_name

    @property
    def store(self) -> Store:
        """The storage object (for tools and tests; front-ends call the methods here)."""
        return self._core.store

    @property
    def path(self) -> Path | None:
        """The collection file (None in memory or on a PostgreSQL server)."""
        location = self._core.store.location
        return None if location == ":memory:" or self._core.store.on_server else Path(location)

    @property
    def changes(self) -> int:
        """Rows changed through this collection since it was opened."""
        return self._core.store.total_changes

    def defer_slow_work(self) -> None:
        """Leave work that can take seconds to a background worker from now on (a web
        server does): a search while the full-text index is stale scans the notes instead
        of rebuilding it (see :meth:`rebuild_search_index`), and a quiz feature whose
        deck is not prepared raises NotPreparedError (see :meth:`prepare_similarities`)."""
        self._core.defer_slow_work = True

    def rebuild_search_index(self) -> bool:
        """Bring the full-text index up to date after a bulk import; returns whether it
        was stale."""
        from tokendeck.storage.search import ensure_current

        return ensure_current(self._core.store.db)

    def media_dir(self) -> Path:
        """Folder of media files (images, audio) referenced by card text."""
        return self._core.media_dir()

    def check_media(self) -> MediaCheck:
        """Files the notes use that the media folder lacks, and files nothing uses
        (as Anki's Check Media)."""
        return self._media.check()

    def reader(self) -> Collection | None:
        """The same user's collection over a connection of its own, for another thread.

        A server's long reads (statistics, related cards) run there so that this
        collection goes on answering; it sees what this one has committed. Close
        it too. None for an in-memory collection, which cannot be opened twice.
        """
        core = self._core
        if core.store.location == ":memory:":
            return None
        reader = Collection(core.store.reader(), core.user_name, core.fuzz_seed)
        reader._core.defer_slow_work = core.defer_slow_work  # a server's reads defer as it does
        return reader

    def close(self) -> None:
        """Close the database."""
        self._core.close()

    def burst(self) -> AbstractContextManager[None]:
        """Calls that together serve one request: other writers' changes are looked for once.

        (A web request wraps its calls in one; each call outside a burst looks itself.)
        """
        return self._core.burst()

    def __enter__(self) -> Collection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- settings ----------------------------------------------------------------------------
    def settings(self) -> Settings:
        """Rollover hour and time zone."""
        return self._core.settings()

    def update_settings(self, **changes: Any) -> Settings:
        """Change settings (``rollover_hour``, ``timezone``); validated before storing."""
        return self._core.update_settings(**changes)

    def get_value(self, key: str, default: Any = None) -> Any:
        """A stored per-user value (used by features such as the built-in deck)."""
        return self._core.store.settings.all().get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        """Store a per-user value."""
        with self._core.store.transaction():
            self._core.store.settings.put(key, value)

    @property
    def calendar(self) -> Calendar:
        """The learner's study-day calendar."""
        return self._core.calendar

    # -- decks -------------------------------------------------------------------------------
    def decks(self) -> list[Deck]:
        """Every deck, by name (an empty "Default" deck without subdecks is left out)."""
        decks = self._decks.all()
        hidden = self._decks.lingering(decks, self._core.store.cards.totals_by_deck())
        return [d for d in decks if d.id not in hidden]

    def deck(self, name_or_id: str | int) -> Deck:
        """A deck by name or id; NotFoundError says which decks exist."""
        return self._decks.get(name_or_id)

    def create_deck(self, name: str, *, now: datetime, config: DeckConfig | None = None) -> Deck:
        """Create a deck (and its missing parents), or return the existing deck of that name.

        Without ``config`` it sets no option itself and follows its parent's.
        """
        return self._decks.create(name, now=now, config=config)

    def update_deck(
        self,
        deck_id: int,
        *,
        now: datetime,
        name: str | None = None,
        description: str | None = None,
        inherit: Sequence[str] = (),
        **config_changes: Any,
    ) -> Deck:
        """Change a deck's options (validated; its subdecks inherit those they do not set),
        give the options named in ``inherit`` back to the parent, or rename it."""
        return self._decks.update(
            deck_id,
            now=now,
            name=name,
            description=description,
            inherit=tuple(inherit),
            **config_changes,
        )

    def rename_deck(self, deck: str | int, name: str, *, now: datetime) -> Deck:
        """Rename a deck; subdecks move with it, cards and their history stay.

        ``Spanish::Verbs`` -> ``Verbs`` makes it a top-level deck; ConflictError if
        the name is taken.
        """
        return self._decks.rename(deck, name, now=now)

    def delete_deck(self, deck: str | int) -> DeckDeletion:
        """Delete a deck, its subdecks and their cards (a note goes when its last card
        does); the review log keeps their history. Front-ends confirm and take a
        snapshot first."""
        return self._decks.delete(deck)

    def deck_tree(self, now: datetime) -> list[DeckNode]:
        """The decks as a tree (``A::B`` under ``A``), with counts that include subdecks."""
        return deck_tree(self._study.deck_counts(now))

    def deck_ids(self, deck: str | int | None) -> list[int]:
        """A deck and its subdecks (every deck for None)."""
        return self._decks.ids(deck)

    def deck_counts(self, now: datetime, deck: str | int | None = None) -> list[DeckCounts]:
        """New / learning / due-today counts and totals of each deck, subdecks included."""
        return self._study.deck_counts(now, deck)

    # -- notes and cards ---------------------------------------------------------------------
    def add_note(
        self,
        deck: str | int,
        front: str,
        back: str,
        *,
        now: datetime,
        reverse: bool = False,
        tags: Iterable[str] | str = (),
        accepted: Sequence[str] = (),
        kind: str | None = None,
        guid: str | None = None,
        source: str = "",
        source_note: str = "",
    ) -> Note:
        """Create a note and its cards in a deck (created if missing)."""
        return self._notes.add(
            deck,
            front,
            back,
            now=now,
            reverse=reverse,
            tags=tags,
            accepted=accepted,
            kind=kind,
            guid=guid,
            source=source,
            source_note=source_note,
        )

    def note(self, note_id: int) -> Note:
        """A note by id."""
        return self._notes.get(note_id)

    def note_by_guid(self, guid: str) -> Note | None:
        """A note by its stable GUID, or None."""
        return self._notes.by_guid(guid)

    def is_empty(self) -> bool:
        """Whether the collection has no notes at all."""
        return self._notes.is_empty()

    def edit_note(
        self,
        note_id: int,
        *,
        now: datetime,
        front: str | None = None,
        back: str | None = None,
        tags: Iterable[str] | str | None = None,
        accepted: Sequence[str] | None = None,
        kind: str | None = None,
        fields: Mapping[str, str] | None = None,
        expected_modified: datetime | None = None,
    ) -> Note:
        """Change a note's text, tags or accepted answers; scheduling is kept. A note from
        Anki is edited by its ``fields`` (front and back set its first two).
        ``expected_modified``: the note's ``modified_at`` as the editor loaded it; if the
        note changed since, nothing is written (ConflictError)."""
        return self._notes.edit(
            note_id,
            now=now,
            front=front,
            back=back,
            tags=tags,
            accepted=accepted,
            kind=kind,
            fields=fields,
            expected_modified=expected_modified,
        )

    def note_types(self) -> list[NoteType]:
        """Every note type of the collection (notes from Anki render through them), by name."""
        return self._notes.note_types()

    def delete_note(self, note_id: int) -> None:
        """Delete a note and its cards (the review log keeps their history)."""
        self._notes.delete(note_id)

    def delete_card(self, card_id: int) -> None:
        """Delete a card; its note goes too when it was the note's last card."""
        self._notes.delete_card(card_id)

    def move_cards(self, card_ids: Sequence[int], deck: str | int, *, now: datetime) -> Deck:
        """Move cards to a deck (created if missing)."""
        return self._notes.move_cards(card_ids, deck, now=now)

    def card(self, card_id: int) -> CardView:
        """A card with its note and the text to show."""
        return self._notes.card(card_id)

    def view(self, card: Card) -> CardView:
        """Wrap a card with its note, deck name and rendered text."""
        return self._notes.view(card)

    def cards(self, deck: str | int | None = None) -> list[Card]:
        """Every card (of a deck and its subdecks), scheduling state only: for statistics."""
        return self._notes.all_cards(deck)

    def cards_of_note(self, note_id: int) -> list[Card]:
        """All cards of a note."""
        return self._notes.cards_of_note(note_id)

    def find_cards(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        tag: str | None = None,
        due: bool = False,
        state: str | None = None,
        order: str = "due",
        limit: int | None = None,
        offset: int = 0,
    ) -> list[CardView]:
        """Cards matching a search (see :mod:`tokendeck.domain.search`); no silent cap."""
        return self._notes.find(
            query,
            now=now,
            deck=deck,
            tag=tag,
            due=due,
            state=state,
            order=order,
            limit=limit,
            offset=offset,
        )

    def card_page(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        order: str = "due",
        reverse: bool = False,
        limit: int = 100,
        after: str | None = None,
    ) -> CardPage:
        """One page of matching cards (at most ``limit``), the total, and the cursor to pass
        as ``after`` for the next page (keyset paging: any number of pages)."""
        return self._notes.page(
            query, now=now, deck=deck, order=order, reverse=reverse, limit=limit, after=after
        )

    def find_card_ids(
        self, query: str = "", *, now: datetime, deck: str | int | None = None, order: str = "due"
    ) -> list[int]:
        """Ids of every matching card, without loading their text (bulk actions, paging)."""
        return self._notes.find_ids(query, now=now, deck=deck, order=order)

    def count_cards(
        self,
        query: str = "",
        *,
        now: datetime,
        deck: str | int | None = None,
        tag: str | None = None,
        due: bool = False,
        state: str | None = None,
    ) -> int:
        """How many cards :meth:`find_cards` would return without a limit."""
        return self._notes.count(query, now=now, deck=deck, tag=tag, due=due, state=state)

    # -- studying ----------------------------------------------------------------------------
    def next_card(
        self, now: datetime, deck: str | int | None = None, *, session: str = "study"
    ) -> CardView | None:
        """The card to study now in a deck (and its subdecks), or None when nothing is due.

        ``session``: "study" (today's cards), "learn" (the same, confusable cards
        apart) or "custom" (the deck's custom study session).
        """
        return self._study.next_card(now, deck, session)

    def study_queue(
        self, now: datetime, deck: str | int | None = None, *, session: str = "study"
    ) -> StudyQueue:
        """Today's cached queue of a session (for features that reorder what is to come)."""
        return self._study.queue(now, deck, session)

    def queue_counts(
        self, now: datetime, deck: str | int | None = None, *, session: str = "study"
    ) -> QueueCounts:
        """New, learning and review cards left to study today in a session."""
        return self._study.counts(now, deck, session)

    def next_due(
        self, now: datetime, deck: str | int | None = None, *, session: str = "study"
    ) -> datetime | None:
        """When the next card becomes due, if nothing is due now."""
        return self._study.next_due(now, deck, session)

    def custom_study(
        self,
        deck: str | int,
        kind: str,
        *,
        now: datetime,
        amount: int | None = None,
        tags: Sequence[str] = (),
        state: str = "all",
    ) -> CustomStudy:
        """Custom study of a deck, as Anki offers: ``new`` (N more new cards today),
        ``reviews`` (N more reviews today), or a custom session (study it with
        ``session="custom"``) of ``ahead`` (reviews due in the next N days),
        ``forgotten`` (cards answered Again in the last N days) or ``tag`` (cards with
        any of ``tags``; ``state`` new, due or all; at most N)."""
        return self._custom.create(deck, kind, now=now, amount=amount, tags=tags, state=state)

    def end_custom_study(self, deck: str | int) -> None:
        """Forget a deck's custom session (its cards keep their schedules)."""
        self._custom.end(deck)

    def preview(self, card_id: int, now: datetime) -> dict[Rating, datetime]:
        """The due time each rating would give (for the answer buttons)."""
        return self._study.preview(card_id, now)

    def answer(
        self,
        card_id: int,
        rating: Rating | str | int,
        *,
        now: datetime,
        duration_ms: int = 0,
        attempt: Attempt | None = None,
    ) -> AnswerResult:
        """Record an answer: schedule the card and log the review, durably, in one transaction.

        ``attempt`` records the question format, what was typed or picked and the
        grade (see :mod:`tokendeck.domain.attempts`); plain flips may leave it out.
        """
        return self._study.record([Answer(card_id, rating, duration_ms, attempt)], now=now)[0]

    def answer_many(
        self,
        answers: Sequence[Answer],
        *,
        now: datetime,
        together: bool = False,
        wait_for_disk: bool = True,
    ) -> list[AnswerResult]:
        """Record several answers in one durable transaction: all of them or none.

        The one answer path (:meth:`answer` is this with one answer). ``together``:
        one :meth:`undo` takes them all back (a matching question's cards).
        ``wait_for_disk=False`` (a server's group commit): return once committed but
        before the disk has it; call :meth:`sync_log` (from any thread) before
        acknowledging the answers.
        """
        return self._study.record(answers, now=now, together=together, wait_for_disk=wait_for_disk)

    def sync_log(self) -> None:
        """Make every commit so far durable (after ``answer_many(wait_for_disk=False)``)."""
        self._core.store.sync_log()

    def undo(self, now: datetime) -> Card:
        """Take back the newest answer (or answers recorded together): card and review."""
        return self._study.undo(now)

    def attempts(self, since: datetime | None = None) -> list[LoggedAttempt]:
        """Logged attempts (format, typed answer, grade, overrides), oldest first."""
        return self._study.attempts(since)

    def batch(self) -> AbstractContextManager[None]:
        """Group several changes (e.g. answers arriving together) into one durable commit."""
        return self._study.batch()

    def suspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Keep cards out of study until unsuspended."""
        self._study.suspend(card_ids, now=now)

    def unsuspend(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Return suspended cards to study."""
        self._study.unsuspend(card_ids, now=now)

    def bury(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Hide cards until the next study day."""
        self._study.bury(card_ids, now=now)

    def flag(self, card_ids: Sequence[int], flag: int | str, *, now: datetime) -> int:
        """Flag cards (1 red ... 7 purple, or the colour's name; 0 clears); ``flag:N`` finds
        them. Returns the flag's number."""
        return self._study.flag(card_ids, flag, now=now)

    def reset(self, card_ids: Sequence[int], *, now: datetime) -> None:
        """Make cards new again; the history is kept and a manual entry marks the reset."""
        self._study.reset(card_ids, now=now)

    def set_memory_states(self, states: Mapping[int, MemoryState], *, now: datetime) -> None:
        """Store recomputed memory states and due dates (after fitting parameters), atomically."""
        self._study.set_memory_states(states, now=now)

    def retrievability(self, card: Card, now: datetime) -> float | None:
        """Probability of recalling a card now, from its memory state."""
        return self._study.retrievability(card, now)

    # -- review log and statistics -----------------------------------------------------------
    def history(self, card_id: int) -> list[Review]:
        """A card's reviews, oldest first."""
        return self._statistics.history(card_id)

    def reviews(self, since: datetime | None = None) -> Iterator[Review]:
        """The whole review log (or since a time), oldest first, streamed."""
        return self._statistics.reviews(since)

    def review_rows(self, deck: str | int | None = None) -> list[tuple[int, int, int, int]]:
        """The review log as the memory model reads it: (card, ms, rating or 0, duration)."""
        return self._statistics.review_rows(deck)

    def packed_review_rows(self, deck: str | int | None = None) -> list[tuple[int, int]]:
        """:meth:`review_rows` for fitting: (card id, epoch ms * 8 + rating)."""
        return self._statistics.packed_review_rows(deck)

    def packed_review_log(self, deck: str | int | None = None) -> bytes:
        """:meth:`packed_review_rows` as one byte string: per row the card id, then epoch
        ms * 8 + rating, big-endian signed 64-bit (``memory.review_table.from_packed_log``
        reads it). The whole log without a Python object per row: what fitting reads."""
        return self._statistics.packed_review_log(deck)

    def stats(self, now: datetime, deck: str | int | None = None) -> dict[str, Any]:
        """Every statistic and chart series, from the review log (see tokendeck.stats.charts)."""
        return self._statistics.stats(now, deck)

    def workload_inputs(self, deck: str | int | None, *, now: datetime) -> Inputs:
        """Parameters, sizes and habits the workload simulator needs (None: whole collection)."""
        return self._statistics.workload_inputs(deck, now=now)

    # -- question formats, Learn and Test ----------------------------------------------------
    @property
    def quiz_grader(self) -> Grader:
        """The grader for typed answers and embeddings (the process-wide one by default)."""
        return self._quizzes.quiz_grader

    def use_grader(self, grader: Grader) -> None:
        """Use ``grader`` from now on (e.g. ``Grader(use_embeddings=False)``: lexical only)."""
        self._quizzes.use_grader(grader)

    def quiz_items(self, deck: str | int, *, now: datetime) -> list[Item]:
        """The cards of a deck (and subdecks) as quiz items, oldest card first."""
        return self._quizzes.quiz_items(deck, now=now)

    def deck_similarities(self, deck: str | int, *, now: datetime) -> Similarities:
        """Pairwise similarities of a deck's cards (cached per process; a large deck not
        yet prepared gets the lexical ones)."""
        return self._quizzes.deck_similarities(deck, now=now)

    def prepare_similarities(self, deck: str | int, *, now: datetime) -> Similarities:
        """Embed every card of a deck (in batches, kept on disk beside the collection) and
        keep the similarities in memory: slow work, for a background worker."""
        return self._quizzes.prepare_similarities(deck, now=now)

    def similarities_ready(self, deck: str | int) -> bool:
        """Whether the deck's similarities are prepared in memory (nothing to compute)."""
        return self._quizzes.similarities_ready(deck)

    def build_question(
        self, card_id: int, fmt: str, *, now: datetime, rng: random.Random
    ) -> Question:
        """A question of format ``fmt`` about a card (QuestionError names a format that works)."""
        return self._quizzes.build_question(card_id, fmt, now=now, rng=rng)

    def learn_question(
        self,
        card_id: int,
        *,
        now: datetime,
        rng: random.Random,
        policy: LearnPolicy | None = None,
    ) -> Question:
        """The Learn-mode question for a card: the format follows its stability."""
        return self._quizzes.learn_question(card_id, now=now, rng=rng, policy=policy)

    def grade_question(
        self, question: Question, response: Response, *, elapsed_s: float | None = None
    ) -> list[Mark]:
        """Mark a response (one Mark per card rated); nothing is recorded yet."""
        return self._quizzes.grade_question(question, response, elapsed_s=elapsed_s)

    def record_marks(
        self,
        marks: Sequence[Mark],
        *,
        now: datetime,
        duration_ms: int = 0,
        overrides: Mapping[int, Rating] | None = None,
        together: bool = True,
    ) -> list[AnswerResult]:
        """Answer each marked card with its suggested rating or the learner's override, in one
        transaction; ``together`` (one question's cards): one undo takes them all back."""
        return self._quizzes.record_marks(
            marks, now=now, duration_ms=duration_ms, overrides=overrides, together=together
        )

    def practice_test(
        self,
        deck: str | int,
        *,
        now: datetime,
        rng: random.Random,
        count: int = 10,
        formats: Sequence[str] = (),
    ) -> PracticeTest:
        """A practice test of ``count`` questions from a deck in the chosen formats."""
        return self._quizzes.practice_test(deck, now=now, rng=rng, count=count, formats=formats)

    def score_practice_test(
        self, test: PracticeTest, responses: Mapping[int, Response]
    ) -> TestScore:
        """Mark a whole test (question number -> response; missing ones count as wrong)."""
        return self._quizzes.score_practice_test(test, responses)

    def related(self, card_id: int, *, now: datetime) -> list[Related]:
        """Cards this card mentions, cards that mention it, and the most similar ones."""
        return self._quizzes.related(card_id, now=now)

    def concept_graph(self, deck: str | int, *, now: datetime) -> Graph:
        """Nodes (cards) and edges (mentions, confusable pairs) of a deck."""
        return self._quizzes.concept_graph(deck, now=now)

    def confusable_pairs(self, deck: str | int, *, now: datetime) -> list[ConfusablePair]:
        """Very similar cards of a deck, most similar first."""
        return self._quizzes.confusable_pairs(deck, now=now)

    def session_order(
        self, card_ids: Sequence[int], deck: str | int, *, now: datetime
    ) -> list[int]:
        """``card_ids`` reordered so confusable cards are spaced apart."""
        return self._quizzes.session_order(card_ids, deck, now=now)

    def next_learn_card(self, now: datetime, deck: str | int | None = None) -> CardView | None:
        """The next card of a Learn session: the study queue, confusable cards spaced apart."""
        return self._quizzes.next_learn_card(now, deck)

    def lint(self, deck: str | int, *, now: datetime) -> list[LintIssue]:
        """Cards of a deck that will study badly, and how to fix them."""
        return self._quizzes.lint(deck, now=now)

    def suggest_clozes(
        self, *, now: datetime, card_id: int | None = None, deck: str | int | None = None
    ) -> list[ClozeSuggestion]:
        """Cloze suggestions for one card's note, or for every note of a deck."""
        return self._quizzes.suggest_clozes(now=now, card_id=card_id, deck=deck)

    def accept_cloze(
        self, suggestion: ClozeSuggestion, *, now: datetime, text: str | None = None
    ) -> Note:
        """Store a suggestion (or the learner's edit of it) as a cloze note linked to its source."""
        return self._quizzes.accept_cloze(suggestion, now=now, text=text)

    # -- checking --------------------------------------------------------------------------
    def check(self, *, now: datetime, repair: bool = True) -> CheckReport:
        """Check the database, the index and every card against its history (as Anki's Check
        Database does); with ``repair``, mend what has one right answer, report the rest."""
        return self._check.run(now=now, repair=repair)

    def keep_open(self, question: object, *, now: datetime) -> str:
        """Keep a question (or test) until it is answered; returns its token.

        In the database on a PostgreSQL server (any worker may mark it), else in
        this collection's memory (see :mod:`tokendeck.collection.pending`).
        """
        return self._pending.add(question, now=now)

    def open_question(self, token: str) -> object:
        """What :meth:`keep_open` kept under ``token`` (NotFoundError once it is gone)."""
        return self._pending.get(token)

    def update_open(self, token: str, question: object) -> None:
        """Keep the new state of an open question (its marks, say)."""
        self._pending.update(token, question)

    def close_question(self, token: str) -> None:
        """Forget an open question (its answers are recorded)."""
        self._pending.drop(token)

    # -- sync ------------------------------------------------------------------------------------
    def login(
        self,
        url: str,
        user: str,
        password: str,
        *,
        now: datetime,
        transport: Transport | None = None,
    ) -> SyncStatus:
        """Get an API token from the server at ``url`` and keep it for this collection (0600)."""
        return self._syncing.login(url, user, password, now=now, transport=transport)

    def logout(self, *, transport: Transport | None = None) -> bool:
        """Revoke and forget this collection's token; False if it was not logged in."""
        return self._syncing.logout(transport=transport)

    def sync(
        self, *, now: datetime, transport: Transport | None = None, limits: Limits | None = None
    ) -> SyncReport:
        """Push this collection's changes to its server, pull everyone else's (resumable)."""
        return self._syncing.sync(now=now, transport=transport, limits=limits)

    def sync_status(self) -> SyncStatus:
        """Where this collection syncs, when it last did, and whether changes wait."""
        return self._syncing.status()

    def serve_sync_info(self) -> dict[str, Any]:
        """A server's answer to a device's first sync request."""
        return self._syncing.serve_info()

    def serve_sync_push(self, body: bytes, *, now: datetime) -> dict[str, Any]:
        """A server applying a device's pushed batch."""
        return self._syncing.serve_push(body, now=now)

    def serve_sync_pull(
        self, request: dict[str, Any], *, now: datetime, limits: Limits | None = None
    ) -> bytes:
        """A server's next batch for a device pulling."""
        return self._syncing.serve_pull(request, now=now, limits=limits)

    def note_history(self, note_id: int) -> list[NoteVersion]:
        """Values of a note's fields that lost a sync merge, oldest first."""
        return self._syncing.note_history(note_id)

    # -- import, export, backup, restore -----------------------------------------------------
    def import_package(
        self, package: Package, *, now: datetime, mode: str = "update", deck: str | None = None
    ) -> ImportResult:
        """Apply a neutral-form Package all-or-nothing (modes: update, duplicate, skip)."""
        return self._transfers.import_package(package, now=now, mode=mode, deck=deck)

    def export_package(
        self,
        deck: str | int | None = None,
        *,
        with_scheduling: bool = True,
        full: bool = False,
        bulk_history: bool = False,
        with_media: bool = False,
    ) -> Package:
        """The collection (or a deck and its subdecks) as a Package (``full``: a backup;
        ``with_media``: with the media files its notes use)."""
        return self._transfers.export_package(
            deck,
            with_scheduling=with_scheduling,
            full=full,
            bulk_history=bulk_history,
            with_media=with_media,
        )

    def write_snapshot(self, path: str | Path, *, now: datetime) -> None:
        """Write the database and its media as a snapshot zip (what the daily backup writes)."""
        self._transfers.write_snapshot(path, now=now)

    def daily_backup(self, directory: str | Path, *, now: datetime, keep: int = 7) -> Path | None:
        """Today's automatic snapshot into ``directory`` unless there is one; returns it."""
        return self._transfers.daily_backup(directory, now=now, keep=keep)

    @staticmethod
    def restore(
        path: str | Path, package: Package, *, now: datetime, user: str = "local"
    ) -> RestoreResult:
        """Replace the collection file at ``path`` with a backup; the old file is kept."""
        return Transfers.restore(path, package, now=now, user=user)

    @staticmethod
    def restore_snapshot(path: str | Path, archive: str | Path, *, now: datetime) -> RestoreResult:
        """Replace the collection file at ``path`` with a snapshot zip, checked first."""
        return Transfers.restore_snapshot(path, archive, now=now)
