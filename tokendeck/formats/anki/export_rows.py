"""TokenDeck notes and cards as rows of Anki's ``notes``/``cards``/``revlog`` tables.

The inverse of :mod:`tokendeck.formats.anki.scheduling`: review and interday
due dates become day numbers from ``col.crt``, learning due dates epoch
seconds, and FSRS memory state goes in the card's ``data`` JSON.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from tokendeck.transfer.package import CardRecord, NoteRecord, Package, ReviewRecord

_DAY = 86400
#: Day numbers count from here; any fixed rollover instant works, because
#: Anki shifts them by the difference between the two collections' ages.
_CRT = int(datetime(2006, 1, 1, 4, tzinfo=UTC).timestamp())
_TYPES = {"new": 0, "learning": 1, "review": 2, "relearning": 3}
_QUEUES = {"new": 0, "learning": 1, "review": 2, "relearning": 1}
_REVLOG_TYPES = {"learn": 0, "review": 1, "relearn": 2, "filtered": 3, "manual": 4}
_STARTING_EASE = 2500
#: "One step left, and it is due today": what Anki stores for a card in learning.
_ONE_STEP_LEFT = 1001
_MAX_TIME_MS = 2**31 - 1
_CLOZE = re.compile(r"\{\{c(\d+)::")
_IMG = re.compile(r"<img[^>]*?src=[\"']?([^\"'>\s]+)[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Clock:
    """The fixed instants an export is written relative to."""

    crt: int
    mod: int

    @cached_property
    def mod_ms(self) -> int:
        """``mod`` in milliseconds."""
        return self.mod * 1000

    @cached_property
    def base_id(self) -> int:
        """First note/card id (Anki ids are millisecond timestamps; read once per card)."""
        return self.mod_ms

    @classmethod
    def for_package(cls, package: Package) -> Clock:
        """Stamp the export with the latest review in it, so output is reproducible."""
        latest = max(
            (c.last_review for n in package.notes for c in n.cards if c.last_review),
            default=None,
        )
        mod = int(latest.timestamp()) if latest else _CRT
        return cls(crt=_CRT, mod=mod)

    def day(self, when: datetime) -> int:
        """Anki's day number for ``when``."""
        return (int(when.timestamp()) - self.crt) // _DAY


def strip_html(text: str) -> str:
    """Text of a field with tags removed but image file names kept (Anki's sort field)."""
    if "<" not in text and "&" not in text:
        return text  # the common case, and an export calls this once per note
    return html.unescape(_TAG.sub("", _IMG.sub(r" \1 ", text)))


def guid_for(note: NoteRecord, index: int) -> str:
    """A stable GUID for a note that has none."""
    digest = hashlib.sha1(f"{index}\x1f{note.front}\x1f{note.back}".encode()).hexdigest()
    return f"td{digest[:14]}"


def note_fields(note: NoteRecord) -> tuple[tuple[str, ...], list[str], tuple[str, ...]]:
    """Field names, values, and the names shown on the back, to export a note with.

    Notes imported with extra fields keep them, provided front and back
    still say what the fields say (i.e. the note was not edited since).
    A field that is not part of the back (Anki's "Add Reverse" switch) is
    kept but not shown.
    """
    names: tuple[str, ...] = ("Text", "Back Extra") if note.kind == "cloze" else ("Front", "Back")
    values, shown = [note.front, note.back], names[1:]
    if len(note.fields) > 2 and all(note.fields):
        original = list(note.fields.values())
        custom = tuple(note.fields)
        if original[0] == note.front and "<br>".join(v for v in original[1:] if v) == note.back:
            names, values, shown = custom, original, custom[1:]
        elif original[0] == note.front and original[1] == note.back:
            names, values, shown = custom, original, custom[1:2]
    return names, [v.replace("\x1f", " ") for v in values], shown


def default_ordinals(note: NoteRecord) -> list[int]:
    """Card ordinals of a note that came without cards."""
    if note.kind == "basic_reversed":
        return [0, 1]
    if note.kind == "cloze":
        numbers = sorted({int(n) for n in _CLOZE.findall(note.front) if int(n) > 0})
        return [n - 1 for n in numbers] or [0]
    return [0]


@dataclass
class CardRows:
    """Accumulates card and revlog rows while notes are written."""

    clock: Clock
    cards: list[tuple[Any, ...]] = field(default_factory=list)
    revlog: list[tuple[Any, ...]] = field(default_factory=list)
    #: (history key, Anki card id) of every card that has a key.
    keys: list[tuple[int, int]] = field(default_factory=list)
    _next_card: int = 0

    def take(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """The rows gathered so far, emptying the buffers."""
        cards, revlog = self.cards, self.revlog
        self.cards, self.revlog = [], []
        return cards, revlog

    def add_note(self, nid: int, position: int, note: NoteRecord, deck_ids: list[int]) -> None:
        """Rows for every card of a note; ``deck_ids[i]`` is the deck of the i-th card."""
        base = self.clock.base_id
        for card, did in zip(note.cards, deck_ids, strict=True):
            cid = base + self._next_card
            self._next_card += 1
            self.cards.append(self._card_row(cid, nid, did, card, position))
            if card.key is not None:
                self.keys.append((card.key, cid))
            if card.reviews:
                self._add_reviews(cid, card.reviews)

    def _card_row(
        self, cid: int, nid: int, did: int, card: CardRecord, position: int
    ) -> tuple[Any, ...]:
        state = card.state if card.state in _TYPES else "new"
        due, ivl, left = self._schedule(card, state, position)
        queue = -1 if card.suspended else _QUEUES[state]
        factor = 0 if state == "new" else _STARTING_EASE
        mod = self.clock.mod
        return (cid, nid, did, card.ordinal, mod, -1, _TYPES[state], queue, due, ivl, factor,
                card.reps, card.lapses, left, 0, 0, 0, _card_data(card))  # fmt: skip

    def _schedule(self, card: CardRecord, state: str, position: int) -> tuple[int, int, int]:
        if state == "new":
            return position, 0, 0
        due_at = card.due or card.last_review
        ivl = self._interval(card)
        if state == "review":
            return (self.clock.day(due_at) if due_at else 0), ivl, 0
        due_secs = int(due_at.timestamp()) if due_at else self.clock.mod
        return due_secs, (ivl if state == "relearning" else 0), _ONE_STEP_LEFT

    def _interval(self, card: CardRecord) -> int:
        """Days between the last review and the due date, counted in Anki days."""
        if card.due and card.last_review and card.due > card.last_review:
            return max(1, self.clock.day(card.due) - self.clock.day(card.last_review))
        if card.stability:
            return max(1, round(card.stability))
        return 1

    def _add_reviews(self, cid: int, reviews: list[ReviewRecord]) -> None:
        # Hot loop of an export (a million reviews): locals only, no helper calls.
        # Ids may clash (two answers in one millisecond); the writer nudges those.
        append, types = self.revlog.append, _REVLOG_TYPES
        last_ivl = 0
        for review in reviews:
            days = review.scheduled_days
            # Anki: whole days, or negative seconds for learning steps.
            ivl = 0 if days is None else round(days) if days >= 1 else -round(days * _DAY)
            kind = types.get(review.kind, 1)
            # Factor 0 marks a learning step, or (on a manual entry) Anki's "Forget".
            reset = kind == 4 and review.state_after == "new"
            factor = 0 if kind == 0 or reset else _STARTING_EASE
            time_ms = review.duration_ms
            if not 0 <= time_ms <= _MAX_TIME_MS:
                time_ms = 0 if time_ms < 0 else _MAX_TIME_MS
            rid = int(review.reviewed_at.timestamp() * 1000)
            ease = 0 if kind == 4 else review.rating
            append((rid, cid, -1, ease, ivl, last_ivl, factor, time_ms, kind))
            last_ivl = ivl


def _card_data(card: CardRecord) -> str:
    parts = []
    if card.stability is not None and card.difficulty is not None and card.stability > 0:
        difficulty = min(max(card.difficulty, 1.0), 10.0)
        parts.append(f'"s":{round(card.stability, 4)!r},"d":{round(difficulty, 3)!r}')
    if card.last_review is not None:
        parts.append(f'"lrt":{int(card.last_review.timestamp())}')
    return "{" + ",".join(parts) + "}"
