"""The collection: the one facade the CLI, the TUI and the web app call.

It owns a database handle and a user, and combines the pure modules
(scheduler, study queue, search, stats) with the storage functions. Every
call that depends on time takes ``now``; every change is one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from tokendeck.collection.quizzes import Quizzing
from tokendeck.collection.study import AnswerResult, Studying
from tokendeck.collection.transfers import Transfers
from tokendeck.domain import search as search_lang
from tokendeck.domain.cards import Card, CardState, CardView
from tokendeck.domain.days import DEFAULT_ROLLOVER_HOUR, Calendar, zone
from tokendeck.domain.decks import DEFAULT_DECK, Deck, DeckConfig, DeckCounts, check_name
from tokendeck.domain.notes import Note, card_ordinals, check_kind, new_guid, normalise_tags, render
from tokendeck.domain.reviews import Review
from tokendeck.errors import NotFoundError, ValidationError
from tokendeck.scheduling.queue import StudyQueue
from tokendeck.scheduling.scheduler import Scheduler
from tokendeck.storage import Database, open_database, search_sql
from tokendeck.storage import queries as q
from tokendeck.storage import study_queries as sq

__all__ = ["AnswerResult", "Collection", "Settings", "default_path"]


@dataclass(frozen=True, slots=True)
class Settings:
    """Collection-wide settings of one user."""

    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    timezone: str = "local"


def default_path() -> Path:
    """Where the collection lives unless ``--db``/``TOKENDECK_DB`` says otherwise."""
    env = os.environ.get("TOKENDECK_DB")
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("tokendeck", appauthor=False)) / "collection.db"


class Collection(Studying, Quizzing, Transfers):
    """A learner's decks, notes, cards and review log."""

    def __init__(
        self, db: Database, user_id: int, user_name: str, fuzz_seed: int | None = 0
    ) -> None:
        self.db = db
        self.user_id = user_id
        self.user_name = user_name
        self.fuzz_seed = fuzz_seed
        self._schedulers: dict[int, Scheduler] = {}
        self._calendar: Calendar | None = None
        self._deck_names: dict[int, str] = {}
        self._queues: dict[tuple[str | None, date], StudyQueue] = {}
        self._version = -1
        self._settings: Settings | None = None

    # -- opening ---------------------------------------------------------------------
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
        """Open (creating if needed) a collection; installs the built-in deck into an empty one."""
        from tokendeck import clock

        moment = now or clock.now()
        db = open_database(path or default_path())
        col = cls(db, q.user_id(db, user, q.to_ms(moment)), user, fuzz_seed)
        if install_builtin:
            from tokendeck.collection.builtin import sync_builtin

            sync_builtin(col, moment)
        return col

    def media_dir(self) -> Path:
        """Folder of media files (images, audio) referenced by card text."""
        location = self.db.location
        if location == ":memory:":
            return Path.cwd() / "tokendeck-media"
        return Path(location).with_name(Path(location).stem + ".media")

    def close(self) -> None:
        """Close the database."""
        self.db.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- settings ----------------------------------------------------------------------
    def settings(self) -> Settings:
        """Rollover hour and time zone."""
        if self._settings is None:
            stored = q.settings(self.db, self.user_id)
            self._settings = Settings(
                rollover_hour=int(stored.get("rollover_hour", DEFAULT_ROLLOVER_HOUR)),
                timezone=str(stored.get("timezone", "local")),
            )
        return self._settings

    def update_settings(self, **changes: Any) -> Settings:
        """Change settings (``rollover_hour``, ``timezone``); validated before storing."""
        updated = replace(self.settings(), **changes)
        Calendar(zone(updated.timezone), updated.rollover_hour)  # validates both
        with self.db.transaction():
            for key, value in changes.items():
                q.put_setting(self.db, self.user_id, key, value)
        self._settings = updated
        self._forget_caches()
        return updated

    def get_value(self, key: str, default: Any = None) -> Any:
        """A stored per-user value (used by features such as the built-in deck)."""
        return q.settings(self.db, self.user_id).get(key, default)

    def set_value(self, key: str, value: Any) -> None:
        """Store a per-user value."""
        with self.db.transaction():
            q.put_setting(self.db, self.user_id, key, value)

    @property
    def calendar(self) -> Calendar:
        """The learner's study-day calendar."""
        if self._calendar is None:
            settings = self.settings()
            self._calendar = Calendar(zone(settings.timezone), settings.rollover_hour)
        return self._calendar

    # -- decks ---------------------------------------------------------------------------
    def decks(self) -> list[Deck]:
        """Every deck, by name."""
        return q.decks(self.db, self.user_id)

    def deck(self, name_or_id: str | int) -> Deck:
        """A deck by name or id; NotFoundError says which decks exist."""
        found = (
            q.deck_by_id(self.db, self.user_id, name_or_id)
            if isinstance(name_or_id, int)
            else q.deck_by_name(self.db, self.user_id, check_name(name_or_id))
        )
        if found is None:
            names = ", ".join(d.name for d in self.decks()) or "none yet"
            raise NotFoundError(f"no deck {name_or_id!r}", hint=f"decks: {names}")
        return found

    def create_deck(self, name: str, *, now: datetime, config: DeckConfig | None = None) -> Deck:
        """Create a deck (ConflictError-free: returns the existing deck of that name)."""
        name = check_name(name)
        existing = q.deck_by_name(self.db, self.user_id, name)
        if existing is not None:
            return existing
        with self.db.transaction():
            deck_id = q.insert_deck(
                self.db, self.user_id, name, config or DeckConfig(), q.to_ms(now)
            )
        return self.deck(deck_id)

    def update_deck(
        self,
        deck_id: int,
        *,
        now: datetime,
        name: str | None = None,
        description: str | None = None,
        **config_changes: Any,
    ) -> Deck:
        """Rename a deck or change its options (validated)."""
        deck = self.deck(deck_id)
        updated = replace(
            deck,
            name=check_name(name) if name else deck.name,
            description=deck.description if description is None else description,
            config=deck.config.updated(**config_changes),
        )
        with self.db.transaction():
            q.update_deck(self.db, updated, q.to_ms(now))
        self._forget_caches()
        return updated

    def deck_ids(self, deck: str | int | None) -> list[int]:
        """A deck and its subdecks (every deck for None)."""
        decks = self.decks()
        if deck is None:
            return [d.id for d in decks]
        parent = self.deck(deck)
        prefix = parent.name.lower() + "::"
        return [d.id for d in decks if d.id == parent.id or d.name.lower().startswith(prefix)]

    # -- notes and cards ------------------------------------------------------------------
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
        kind = check_kind(kind or ("basic_reversed" if reverse else "basic"))
        _require_text(front, back)
        target = self.create_deck(deck, now=now) if isinstance(deck, str) else self.deck(deck)
        note = Note(
            id=0,
            user_id=self.user_id,
            guid=guid or new_guid(),
            kind=kind,
            front=front.strip(),
            back=back.strip(),
            tags=normalise_tags(tags),
            accepted=tuple(accepted),
            source=source,
            source_note=source_note,
            created_at=now,
            modified_at=now,
        )
        with self.db.transaction():
            note = replace(note, id=q.insert_note(self.db, note))
            self._sync_cards(note, target.id, now)
        self._forget_caches()
        return note

    def _sync_cards(self, note: Note, deck_id: int, now: datetime) -> None:
        """Create the cards a note's kind and text call for (existing ones are kept)."""
        have = {c.ordinal for c in q.cards_of_note(self.db, note.id)}
        for ordinal in card_ordinals(note.kind, note.front):
            if ordinal not in have:
                card = Card(
                    0, note.id, deck_id, self.user_id, ordinal, CardState.NEW, now.astimezone(UTC)
                )
                q.insert_card(self.db, card, q.to_ms(now))

    def note(self, note_id: int) -> Note:
        """A note by id."""
        found = q.note(self.db, self.user_id, note_id)
        if found is None:
            raise NotFoundError(
                f"no note {note_id}", hint="`tokendeck cards` lists card and note ids"
            )
        return found

    def is_empty(self) -> bool:
        """Whether the collection has no notes at all."""
        return not q.has_notes(self.db, self.user_id)

    def note_by_guid(self, guid: str) -> Note | None:
        """A note by its stable GUID, or None."""
        return q.note_by_guid(self.db, self.user_id, guid)

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
    ) -> Note:
        """Change a note's text, tags or accepted answers; scheduling is kept."""
        note = self.note(note_id)
        updated = replace(
            note,
            front=note.front if front is None else front.strip(),
            back=note.back if back is None else back.strip(),
            tags=note.tags if tags is None else normalise_tags(tags),
            accepted=note.accepted if accepted is None else tuple(accepted),
            kind=note.kind if kind is None else check_kind(kind),
            modified_at=now,
        )
        _require_text(updated.front, updated.back)
        cards = q.cards_of_note(self.db, note_id)
        with self.db.transaction():
            q.update_note(self.db, updated)
            if cards:
                self._sync_cards(updated, cards[0].deck_id, now)
        self._forget_caches()
        return updated

    def delete_note(self, note_id: int) -> None:
        """Delete a note and its cards (the review log keeps their history)."""
        self.note(note_id)
        with self.db.transaction():
            q.delete_note(self.db, note_id)
        self._forget_caches()

    def delete_card(self, card_id: int) -> None:
        """Delete a card; its note goes too when it was the note's last card."""
        card = self._card(card_id)
        with self.db.transaction():
            q.delete_card(self.db, card_id)
            if q.count_cards_of_note(self.db, card.note_id) == 0:
                q.delete_note(self.db, card.note_id)
        self._forget_caches()

    def move_cards(self, card_ids: Sequence[int], deck: str | int, *, now: datetime) -> Deck:
        """Move cards to a deck (created if missing)."""
        target = self.create_deck(deck, now=now) if isinstance(deck, str) else self.deck(deck)
        with self.db.transaction():
            for card_id in card_ids:
                self._card(card_id)
                q.move_card(self.db, card_id, target.id, q.to_ms(now))
        self._forget_caches()
        return target

    def card(self, card_id: int) -> CardView:
        """A card with its note and the text to show."""
        return self.view(self._card(card_id))

    def view(self, card: Card) -> CardView:
        """Wrap a card with its note, deck name and rendered text."""
        return _view(card, self.note(card.note_id), self._deck_name(card.deck_id))

    def _deck_name(self, deck_id: int) -> str:
        if deck_id not in self._deck_names:
            found = q.deck_by_id(self.db, self.user_id, deck_id)
            self._deck_names[deck_id] = found.name if found else DEFAULT_DECK
        return self._deck_names[deck_id]

    def _card(self, card_id: int) -> Card:
        found = q.card(self.db, self.user_id, card_id)
        if found is None:
            raise NotFoundError(f"no card {card_id}", hint="`tokendeck cards` lists card ids")
        return found

    def cards(self, deck: str | int | None = None) -> list[Card]:
        """Every card (of a deck and its subdecks), scheduling state only: for statistics."""
        return sq.all_cards(self.db, self.user_id, None if deck is None else self.deck_ids(deck))

    def cards_of_note(self, note_id: int) -> list[Card]:
        """All cards of a note."""
        return q.cards_of_note(self.db, note_id)

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
        where, params = self._search(query, now, deck, tag, due, state)
        found = search_sql.find_with_notes(
            self.db, where, params, order=order, limit=limit, offset=offset
        )
        names = {d.id: d.name for d in self.decks()}  # one query, not one per card
        return [_view(c, n, names.get(c.deck_id, DEFAULT_DECK)) for c, n in found]

    def find_card_ids(
        self, query: str = "", *, now: datetime, deck: str | int | None = None, order: str = "due"
    ) -> list[int]:
        """Ids of every matching card, without loading their text (bulk actions, paging)."""
        where, params = self._search(query, now, deck, None, False, None)
        return search_sql.find_ids(self.db, where, params, order=order)

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
        where, params = self._search(query, now, deck, tag, due, state)
        return search_sql.count(self.db, where, params)

    def _search(
        self,
        query: str,
        now: datetime,
        deck: str | int | None,
        tag: str | None,
        due: bool,
        state: str | None,
    ) -> tuple[str, list[Any]]:
        parsed = search_lang.parse(query)
        search_sql.prepare(self.db, parsed)
        if tag:
            parsed.tags.append(tag)
        if due:
            parsed.flags.add("due")
        if state:
            parsed.states.append(CardState.parse(state))
        deck_ids = self.deck_ids(deck) if deck is not None else None
        for name in parsed.decks:
            named = self.deck_ids(name)
            deck_ids = named if deck_ids is None else [d for d in deck_ids if d in named]
        today = self.calendar.today(now)
        end = q.to_ms(self.calendar.end_of_today(now))
        return search_sql.where_clause(parsed, self.user_id, deck_ids, today.toordinal(), end)

    # -- review log and statistics -------------------------------------------------------------
    def history(self, card_id: int) -> list[Review]:
        """A card's reviews, oldest first."""
        self._card(card_id)
        return q.reviews_of_card(self.db, card_id)

    def reviews(self, since: datetime | None = None) -> Iterator[Review]:
        """The whole review log (or since a time), oldest first, streamed."""
        return q.iter_reviews(self.db, self.user_id, q.to_ms(since) if since else 0)

    def review_rows(self, deck: str | int | None = None) -> list[tuple[int, int, int, int]]:
        """The review log as the memory model reads it, without a ``Review`` per row.

        (card id, epoch ms, rating 1-4 or 0 for a reset, duration ms) in log
        order; manual reschedules left out (see :mod:`tokendeck.storage.review_history`).
        ``deck`` keeps cards now in it and its subdecks; None keeps every review.
        """
        from tokendeck.storage.review_history import history_rows

        deck_ids = None if deck is None else self.deck_ids(deck)
        return history_rows(self.db, self.user_id, deck_ids)

    def packed_review_rows(self, deck: str | int | None = None) -> list[tuple[int, int]]:
        """:meth:`review_rows` for fitting: (card id, epoch ms * 8 + rating), no durations.

        Half the Python objects per row, for reading a million answers quickly.
        """
        from tokendeck.storage.review_history import packed_rows

        deck_ids = None if deck is None else self.deck_ids(deck)
        return packed_rows(self.db, self.user_id, deck_ids)

    def retrievability(self, card: Card, now: datetime) -> float | None:
        """Probability of recalling a card now, from its memory state."""
        return self._scheduler(card.deck_id).retrievability(card, now)

    def deck_counts(self, now: datetime, deck: str | int | None = None) -> list[DeckCounts]:
        """New / learning / due-today counts and totals for each deck."""
        totals = sq.deck_totals(self.db, self.user_id)
        wanted = set(self.deck_ids(deck))
        result = []
        for each in self.decks():
            if each.id in wanted:
                counts = self.queue_counts(now, each.id)
                result.append(
                    DeckCounts(
                        each, counts.new, counts.learning, counts.review, totals.get(each.id, 0)
                    )
                )
        return result

    def stats(self, now: datetime, deck: str | int | None = None) -> dict[str, Any]:
        """Every statistic and chart series, from the review log (see tokendeck.stats.charts)."""
        from tokendeck.stats.charts import chart_data
        from tokendeck.storage.review_history import summaries

        cards = self.cards(deck)
        # the lean read: 7 fields per entry, not a full Review (about 4x faster)
        reviews = summaries(self.db, self.user_id, None if deck is None else self.deck_ids(deck))
        return chart_data(cards, reviews, now, self.calendar)

    def _forget_caches(self) -> None:
        self._queues.clear()
        self._schedulers.clear()
        self._deck_names.clear()
        self._settings = None
        self._calendar = None


def _view(card: Card, note: Note, deck_name: str) -> CardView:
    question, answer = render(note.kind, note.front, note.back, card.ordinal)
    return CardView(card, note, deck_name, question, answer)


def _require_text(front: str, back: str) -> None:
    if not front.strip():
        raise ValidationError("the front is empty", hint="give the card a question or term")
    if not back.strip():
        raise ValidationError("the back is empty", hint="give the card an answer")
