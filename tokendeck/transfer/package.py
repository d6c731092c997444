"""The neutral in-memory form that every import and export passes through.

A format module (``tokendeck.formats.*``) converts only between its file and a
:class:`Package`; the collection converts only between a :class:`Package` and
its storage. So every format gets update-by-GUID, all-or-nothing imports and
the same error reporting for free, and a new format is one small module.

All datetimes are timezone-aware UTC. Nothing here touches a database or file,
except :meth:`ReviewSource.rows`, which reads its history on request (through
``tokendeck.storage.history``) for previews, tests and small consumers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

#: Note kinds the collection understands. A note of kind ``basic_reversed``
#: has a forward and a reverse card; ``cloze`` has one card per cloze number.
NOTE_KINDS = ("basic", "basic_reversed", "type_in", "cloze")

#: How a note's text is written: TokenDeck's own notes are Markdown; notes that came
#: from Anki are HTML and are rendered through their note type's templates.
NOTE_FORMATS = ("markdown", "html")

#: Kinds of note type (Anki's): one card per template, or one card per cloze number.
NOTE_TYPE_KINDS = ("standard", "cloze")

#: How an import finds the notes already in the collection that a file's notes are
#: (:attr:`Package.match`). ``guid``: by GUID only (Anki packages, backups, the
#: built-in deck). ``front``: a note with a GUID from its file (a text export's GUID
#: column, raw notes' derived ids) by that GUID, any other by its front; and a note
#: whose file and front are the recorded source of a note already there is that note.
MATCH_RULES = ("guid", "front")

#: Card states, as stored and as exported.
CARD_STATES = ("new", "learning", "review", "relearning")

#: Kinds of review-log entry (what Anki calls revlog type).
REVIEW_KINDS = ("learn", "review", "relearn", "filtered", "manual")

#: The columns of a bulk review history (:class:`ReviewSource`), in order.
#: ``card_key`` is the :attr:`CardRecord.key` of the card answered; states are
#: labels of CARD_STATES or NULL; ``kind`` is one of REVIEW_KINDS.
HISTORY_COLUMNS = (
    "card_key",
    "reviewed_at_ms",
    "rating",
    "duration_ms",
    "kind",
    "scheduled_days",
    "state_before",
    "state_after",
    "stability",
    "difficulty",
)


@dataclass(slots=True)
class ReviewRecord:
    """One answer in a card's history (slotted: packages can hold millions)."""

    reviewed_at: datetime
    rating: int  # 1 Again .. 4 Easy; 0 for a manual reschedule
    duration_ms: int = 0
    kind: str = "review"
    #: Interval the answer scheduled, in days (fractions for learning steps).
    scheduled_days: float | None = None
    state_before: str | None = None
    state_after: str | None = None
    stability: float | None = None
    difficulty: float | None = None
    #: Backups only (None elsewhere): the log row's id, its elapsed-days
    #: column and its undo data (JSON text), so a restore is identical.
    id: int | None = None
    elapsed_days: int | None = None
    undo: str | None = None


@dataclass(frozen=True)
class ReviewSource:
    """A review history too large for Python objects: one SELECT over an SQLite file.

    The consumer ATTACHes ``path`` (read-only) under the schema name ``source``
    and runs ``select``, which yields HISTORY_COLUMNS in that order, ordered by
    time, so a million answers are copied by SQLite without a Python object
    each. ``count`` is how many rows the SELECT yields.
    """

    path: Path
    select: str
    count: int

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """The rows in Python (for previews, tests and small consumers)."""
        from tokendeck.storage.history import source_rows

        return source_rows(self.path, self.select)


@dataclass
class CardRecord:
    """One card of a note, with its scheduling state."""

    ordinal: int = 0  # 0 forward, 1 reverse; cloze number - 1 for cloze notes
    deck: str | None = None  # overrides the note's deck when set
    state: str = "new"
    due: datetime | None = None
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    last_review: datetime | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    #: The small form of history: this card's answers as objects (JSON backups,
    #: hand-built packages). Large packages carry :attr:`Package.history` instead.
    reviews: list[ReviewRecord] = field(default_factory=list)
    #: The source's id for this card, which rows of :attr:`Package.history` refer to.
    #: A backup stores the card's id here (and a restore keeps it).
    key: int | None = None
    #: Backups only: the study day a buried card comes back, and row times.
    buried_until: date | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    #: The learner's coloured flag (0 none, 1-7 as Anki numbers them).
    flag: int = 0


@dataclass
class TemplateRecord:
    """One card template of a note type: Anki's template language, HTML."""

    name: str
    #: The question format (Anki's ``qfmt``).
    question: str
    #: The answer format (Anki's ``afmt``), usually starting with ``{{FrontSide}}``.
    answer: str


@dataclass
class NoteTypeRecord:
    """A note type as Anki has them: named fields, card templates, styling.

    Notes refer to it by ``name`` (:attr:`NoteRecord.note_type`), which is unique
    within a package. A ``cloze`` note type has one template, used for every
    cloze number; a ``standard`` one gives a card per template whose question
    is not empty.
    """

    name: str
    field_names: list[str]
    templates: list[TemplateRecord]
    kind: str = "standard"  # one of NOTE_TYPE_KINDS
    css: str = ""
    #: What Anki wraps around ``[latex]`` text to render it as an image.
    latex_pre: str = ""
    latex_post: str = ""
    latex_svg: bool = False
    #: Index of the field Anki sorts and checks duplicates by.
    sort_field: int = 0
    #: The source's id for it (Anki matches note types by id on import).
    id: int | None = None
    #: Made up from a text file's columns (Anki's text export names its note type but
    #: does not describe it): a note type of this name in the collection is used
    #: instead, its fields taken in the file's column order.
    inferred: bool = False
    #: Backups only: the stored id (a restore keeps it) and row times.
    key: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None


@dataclass
class NoteRecord:
    """One note: the unit that is created, updated (by GUID) and deleted."""

    front: str
    back: str
    deck: str = "Default"
    kind: str = "basic"
    guid: str | None = None
    tags: list[str] = field(default_factory=list)
    #: All fields by name, in order, when the source had more than front/back.
    fields: dict[str, str] = field(default_factory=dict)
    #: Other answers accepted when typed (alternative spellings).
    accepted: list[str] = field(default_factory=list)
    source: str = ""
    source_note: str = ""
    #: Cards with scheduling state; empty means "new cards for this kind".
    cards: list[CardRecord] = field(default_factory=list)
    #: Where the note came from in its file, for error messages and previews.
    line: int | None = None
    #: How sure a heuristic parser is that this is a real note (0..1).
    confidence: float = 1.0
    #: Backups only: the note's id and row times (imports allocate their own).
    id: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    #: The name of its note type in :attr:`Package.note_types`, for notes that keep
    #: Anki's note type; ``fields`` then holds every field of it, in its order, and
    #: ``front``/``back`` stay a flattened view for search, grading and quizzes.
    note_type: str | None = None
    #: How ``front``, ``back`` and ``fields`` are written: one of NOTE_FORMATS.
    format: str = "markdown"


@dataclass
class DeckRecord:
    """A deck and its study options (missing options keep the defaults)."""

    name: str
    description: str = ""
    options: dict[str, object] = field(default_factory=dict)
    #: Backups only: the deck's id and row times.
    id: int | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None


@dataclass
class AttemptRecord:
    """How one review's answer was asked and graded (backups only)."""

    id: int
    review_id: int
    card_id: int
    answered_at: datetime
    format: str
    rating: int
    answer: str = ""
    score: float | None = None
    verdict: str | None = None
    suggested_rating: int | None = None
    overridden: bool = False


@dataclass
class UserRecord:
    """Whose collection a backup is (backups only)."""

    name: str
    id: int | None = None
    created_at: datetime | None = None


@dataclass
class MediaFile:
    """A media file referenced from card text (``<img src="name">``)."""

    name: str
    data: bytes


@dataclass
class Package:
    """Everything one file holds, independent of its format."""

    notes: list[NoteRecord] = field(default_factory=list)
    decks: list[DeckRecord] = field(default_factory=list)
    media: list[MediaFile] = field(default_factory=list)
    #: Note types that notes refer to by name (Anki packages; empty elsewhere).
    note_types: list[NoteTypeRecord] = field(default_factory=list)
    #: Collection-wide settings (rollover hour, timezone, ...) for backups.
    settings: dict[str, object] = field(default_factory=dict)
    #: Messages for the user about things that were skipped or guessed.
    warnings: list[str] = field(default_factory=list)
    #: Where it came from (a path or "stdin").
    source: str = ""
    #: The bulk review history, for cards with a ``key`` (in addition to any
    #: per-card ``reviews`` lists; consumers take both).
    history: ReviewSource | None = None
    #: Backups only: the owner, the attempts log, and the reviews of cards
    #: deleted since (the review log keeps them): one record per deleted card,
    #: holding only its ``key`` and ``reviews``.
    user: UserRecord | None = None
    attempts: list[AttemptRecord] = field(default_factory=list)
    deleted_card_reviews: list[CardRecord] = field(default_factory=list)
    #: How its notes are matched with the collection's on import: one of MATCH_RULES.
    match: str = "front"

    def note_type(self, name: str | None) -> NoteTypeRecord | None:
        """The note type called ``name``, if the package has it."""
        if name is None:
            return None
        return next((t for t in self.note_types if t.name == name), None)

    def deck_names(self) -> list[str]:
        """Every deck named by the package, in first-seen order."""
        names = [d.name for d in self.decks]
        for note in self.notes:
            names.append(note.deck)
            names.extend(c.deck for c in note.cards if c.deck)
        return list(dict.fromkeys(names))
