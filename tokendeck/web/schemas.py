"""Request and response models of the JSON API: explicit create / update / public shapes.

Kept separate from the domain dataclasses so the API can stay stable while the
core changes; :mod:`tokendeck.web.presenters` converts between them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from annotated_types import Interval
from pydantic import BaseModel, ConfigDict, Field

RatingName = Literal["again", "hard", "good", "easy"]
SessionName = Literal["study", "custom"]
OptionName = Literal[
    "new_per_day",
    "reviews_per_day",
    "desired_retention",
    "learning_steps",
    "relearning_steps",
    "maximum_interval",
    "leech_threshold",
]
#: A whole number the database can hold (ids, in paths and bodies): a larger one is a
#: 400 naming the field, not an OverflowError deep in SQLite.
MAX_DB_INT = 2**63 - 1
DbInt = Annotated[int, Interval(ge=-(2**63), le=MAX_DB_INT)]
#: Longest IANA time-zone name accepted (the longest real one has 32 characters).
MAX_ZONE_NAME = 64


class _Strict(BaseModel):
    """Request bodies refuse unknown fields, so typos are reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


# -- errors -------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorBody(BaseModel):
    status: int
    code: str = Field(examples=["not_found"])
    message: str
    hint: str | None = None
    details: list[ErrorDetail] = []


class ErrorOut(BaseModel):
    """The one error shape of every failed request."""

    error: ErrorBody


# -- decks --------------------------------------------------------------------------------


class DeckCreate(_Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Spanish::Verbs"])


class DeckConfigOut(BaseModel):
    new_per_day: int
    reviews_per_day: int
    desired_retention: float
    learning_steps: list[float] = Field(description="seconds")
    relearning_steps: list[float] = Field(description="seconds")
    maximum_interval: int
    leech_threshold: int


class DeckConfigUpdate(_Strict):
    """Only the fields given are changed; options named in ``inherit`` follow the parent."""

    new_per_day: int | None = Field(default=None, ge=0, le=9999)
    reviews_per_day: int | None = Field(default=None, ge=0, le=99999)
    desired_retention: float | None = Field(default=None, ge=0.70, le=0.99)
    learning_steps: list[float] | None = Field(default=None, description="seconds")
    relearning_steps: list[float] | None = Field(default=None, description="seconds")
    maximum_interval: int | None = Field(default=None, ge=1, le=36_500)
    leech_threshold: int | None = Field(default=None, ge=1, le=9999)
    inherit: list[OptionName] = Field(
        default=[], description="options to take from the parent deck again (or the defaults)"
    )


class DeckUpdate(_Strict):
    """Rename a deck (its subdecks move with it) or change its description."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)


class DeckDeletedOut(BaseModel):
    decks: list[str]
    cards: int
    notes: int
    backup: str | None = Field(description="snapshot taken just before (restore it to undo)")


class CountsOut(BaseModel):
    new: int
    learning: int
    due: int
    total: int


class DeckOut(BaseModel):
    id: int
    name: str
    description: str
    config: DeckConfigOut
    counts: CountsOut | None = None
    parent: str | None = Field(default=None, description="the parent deck's name")
    inherited: list[str] = Field(default=[], description="options taken from the parent")


class DeckNodeOut(BaseModel):
    """A deck in the tree: counts include its subdecks."""

    id: int
    name: str
    basename: str
    depth: int
    counts: CountsOut
    children: list[DeckNodeOut]


# -- notes and cards ----------------------------------------------------------------------


class NoteCreate(_Strict):
    deck: str = Field(min_length=1, examples=["Default"])
    front: str = Field(min_length=1, max_length=100_000)
    back: str = Field(default="", max_length=100_000)
    reverse: bool = Field(default=False, description="also make the back-to-front card")
    tags: list[str] = []
    accepted: list[str] = Field(default=[], description="other answers accepted when typed")
    kind: Literal["basic", "basic_reversed", "type_in", "cloze"] | None = Field(
        default=None, description="default: basic, or basic_reversed with reverse"
    )


class NoteUpdate(_Strict):
    """Only the fields given are changed."""

    front: str | None = Field(default=None, min_length=1, max_length=100_000)
    back: str | None = Field(default=None, max_length=100_000)
    tags: list[str] | None = None
    accepted: list[str] | None = None
    fields: dict[str, str] | None = Field(
        default=None, description="a note from Anki: its fields by name (only those given change)"
    )
    modified_at: datetime | None = Field(
        default=None,
        description="the note's modified_at as the editor loaded it: if the note was changed "
        "since (another tab or device), nothing is saved and the answer is 409",
    )


class NoteOut(BaseModel):
    id: int
    guid: str
    kind: str
    front: str
    back: str
    tags: list[str]
    accepted: list[str]
    created_at: datetime | None
    modified_at: datetime | None
    format: Literal["markdown", "html"] = "markdown"
    note_type_id: int | None = None
    fields: dict[str, str] = Field(
        default={}, description="a note from Anki: every field of its note type, in order"
    )


class CardOut(BaseModel):
    id: int
    note_id: int
    deck: str
    ordinal: int
    state: Literal["new", "learning", "review", "relearning"]
    due: datetime
    stability: float | None
    difficulty: float | None
    last_review: datetime | None
    reps: int
    lapses: int
    suspended: bool
    buried: bool
    flag: int = Field(
        default=0,
        description="0 none, 1 red, 2 orange, 3 green, 4 blue, 5 pink, 6 turquoise, 7 purple",
    )
    front: str
    back: str
    front_html: str
    back_html: str
    tags: list[str]
    note: NoteOut
    format: Literal["markdown", "html"] = Field(
        default="markdown", description="html: rendered through its Anki note type"
    )
    whole_answer: bool = Field(
        default=False,
        description="back_html is the whole answer side (it repeats the question): show it "
        "instead of front_html, not below it",
    )
    css: str = Field(
        default="", description="the note type's stylesheet, scoped to elements of class td-card"
    )
    macros: dict[str, str] = Field(default={}, description="TeX macros for KaTeX")


class CardList(BaseModel):
    cards: list[CardOut]
    total: int = Field(description="matches in all, not just this page")
    limit: int
    offset: int
    next: str | None = Field(
        default=None, description="pass as ``after`` for the next page (None: the last page)"
    )


class SearchSelection(_Strict):
    """Every card a search matches (a selection across all its pages)."""

    q: str = ""
    deck: str | None = None


class BulkAction(_Strict):
    action: Literal[
        "suspend", "unsuspend", "delete", "move", "tag", "untag", "bury", "reset", "flag"
    ]
    card_ids: list[DbInt] = Field(default=[], max_length=100_000)
    search: SearchSelection | None = Field(
        default=None, description="act on every card of a search instead of ``card_ids``"
    )
    except_ids: list[DbInt] = Field(
        default=[], max_length=100_000, description="with ``search``: cards left out"
    )
    deck: str | None = Field(default=None, description="target deck for 'move'")
    tags: list[str] = Field(default=[], description="tags for 'tag' / 'untag'")
    flag: int = Field(default=0, ge=0, le=7, description="the flag for 'flag' (0 clears)")


class BulkResult(BaseModel):
    action: str
    count: int


class PreviewIn(_Strict):
    text: str = Field(max_length=100_000)


class PreviewOut(BaseModel):
    html: str


class ReviewOut(BaseModel):
    id: int
    card_id: DbInt
    reviewed_at: datetime
    rating: int
    duration_ms: int
    kind: str
    state_before: str
    state_after: str
    scheduled_days: float
    elapsed_days: int
    stability: float | None
    difficulty: float | None


class CardInfoOut(BaseModel):
    card: CardOut
    history: list[ReviewOut]
    retrievability: float | None
    forgetting_curve: dict[str, list[Any]]


# -- study --------------------------------------------------------------------------------


class ButtonOut(BaseModel):
    rating: int
    name: RatingName
    due: datetime
    interval: str = Field(description="human text such as '10m' or '3d'", examples=["3d"])


class QueueOut(BaseModel):
    new: int
    learning: int
    review: int


class StudyOut(BaseModel):
    """The next card to study (or none) and what is left today."""

    card: CardOut | None
    buttons: list[ButtonOut]
    queue: QueueOut
    next_due: datetime | None
    deck: str | None = Field(default=None, description="the session's deck (None: every deck)")
    session: SessionName = "study"


class AnswerIn(_Strict):
    card_id: DbInt
    rating: int | RatingName = Field(description="1-4 or again/hard/good/easy")
    duration_ms: int = Field(default=0, ge=0, le=86_400_000)
    deck: str | None = Field(default=None, description="deck of the session, for the next card")
    session: SessionName = Field(default="study", description="study, or the custom session")


class CardActionIn(_Strict):
    """Suspend, bury, flag or delete the card being studied; the next card comes back."""

    card_id: DbInt
    action: Literal["suspend", "bury", "flag", "delete"]
    flag: int = Field(default=0, ge=0, le=7, description="for 'flag': 0 clears")
    deck: str | None = None
    session: SessionName = "study"


class CardActionOut(BaseModel):
    action: str
    card_id: DbInt
    next: StudyOut


class CustomStudyIn(_Strict):
    deck: str = Field(min_length=1)
    kind: Literal["new", "reviews", "ahead", "forgotten", "tag"] = Field(
        description="new / reviews: more today; ahead: reviews due in N days; "
        "forgotten: answered Again in the last N days; tag: cards with these tags"
    )
    amount: int | None = Field(default=None, ge=1, le=9999, description="cards or days")
    tags: list[str] = []
    state: Literal["new", "due", "all"] = "all"


class CustomStudyOut(BaseModel):
    kind: str
    deck: str
    cards: int
    session: SessionName = Field(description="the session to study next")
    description: str


class AnswerOut(BaseModel):
    card: CardOut
    leech: bool
    next: StudyOut


class UndoOut(BaseModel):
    card: CardOut


# -- import / export, settings ------------------------------------------------------------


class MissingMediaOut(BaseModel):
    name: str
    note_ids: list[int] = Field(description="the notes that name the file")


class MediaCheckOut(BaseModel):
    missing: list[MissingMediaOut] = Field(description="named by notes, not in the media folder")
    unused: list[str] = Field(description="in the media folder, named by nothing")
    files: int = Field(description="files in the media folder")
    used: int = Field(description="distinct files the notes name")


class FormatOut(BaseModel):
    name: str
    description: str
    extensions: list[str]
    can_import: bool
    can_export: bool


class ImportNoteOut(BaseModel):
    deck: str
    kind: str
    front: str
    back: str
    tags: list[str]
    line: int | None


class ImportChoiceOut(BaseModel):
    """What the file gives when read as one format (with one separator)."""

    format: str
    separator: str | None
    description: str
    note_count: int
    front: str = Field(description="the first note's front")
    back: str = Field(description="the first note's back")
    error: str | None = Field(description="why it cannot be read this way")


class ImportPreviewOut(BaseModel):
    format: str
    note_count: int
    decks: list[str]
    notes: list[ImportNoteOut]
    warnings: list[str]
    confidence: float = Field(default=1.0, description="how sure the format guess is (0..1)")
    sure: bool = Field(default=True, description="false: ask which format before importing")
    separator: str | None = Field(default=None, description="the separator read with")
    choices: list[ImportChoiceOut] = Field(
        default=[], description="a guessed format's alternatives, each read in full"
    )
    note_types: list[str] = Field(default=[], description="note types the file brings")


class ImportResultOut(BaseModel):
    format: str
    result: dict[str, Any]


class SettingsOut(BaseModel):
    rollover_hour: int
    timezone: str


class SettingsUpdate(_Strict):
    rollover_hour: int | None = Field(default=None, ge=0, le=23)
    timezone: str | None = Field(default=None, min_length=1, max_length=MAX_ZONE_NAME)


class FindingOut(BaseModel):
    """One kind of problem a check found."""

    problem: str
    count: int
    repaired: bool
    hint: str


class CheckOut(BaseModel):
    """What ``POST /api/v1/check`` found; ``ok`` when nothing is left unrepaired."""

    ok: bool
    findings: list[FindingOut]
