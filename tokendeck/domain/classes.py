"""Classes and shared decks: what a teacher makes and what learners receive (pure values).

A **class** has one teacher and learners who joined with its code. A
**publication** is a deck the teacher published to a class; it has numbered
versions, and every learner of the class holds a **subscription**: their own
copy of the deck, with their own schedule, brought up to the newest version on
their next visit. A note the learner edited is not overwritten: the author's
newer text waits as a **conflict** until the learner chooses.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SchoolClass:
    """A class (``class`` is a keyword): its teacher, name and join code."""

    id: int
    teacher_id: int
    teacher_name: str
    name: str
    join_code: str
    created_at: datetime
    learners: int = 0


@dataclass(frozen=True, slots=True)
class Publication:
    """A deck published to a class, at its newest version."""

    id: int
    class_id: int
    author_id: int
    #: "deck" (a deck of the author's collection) or "builtin" (the packaged LLM deck)
    source: str
    source_deck_id: int | None
    name: str
    description: str
    version: int
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    """One version of a publication: what changed from the one before."""

    version: int
    created_at: datetime
    added: int
    changed: int
    deleted: int


@dataclass(frozen=True, slots=True)
class SharedNote:
    """A note's content as an author publishes it (the part a subscriber receives)."""

    guid: str
    kind: str
    front: str
    back: str
    tags: tuple[str, ...] = ()
    accepted: tuple[str, ...] = ()

    def fingerprint(self) -> str:
        """A digest of the text a learner could edit (tags excluded: they are merged)."""
        return content_fingerprint(self.kind, self.front, self.back, self.accepted)

    def to_json(self) -> str:
        """The note as JSON (a conflict keeps the author's text this way)."""
        return json.dumps(
            {
                "guid": self.guid,
                "kind": self.kind,
                "front": self.front,
                "back": self.back,
                "tags": list(self.tags),
                "accepted": list(self.accepted),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> SharedNote:
        """The note written by :meth:`to_json`."""
        data = json.loads(text)
        return cls(
            guid=data["guid"],
            kind=data["kind"],
            front=data["front"],
            back=data["back"],
            tags=tuple(data["tags"]),
            accepted=tuple(data["accepted"]),
        )


def content_fingerprint(kind: str, front: str, back: str, accepted: tuple[str, ...]) -> str:
    """The digest :meth:`SharedNote.fingerprint` compares against a learner's note."""
    text = json.dumps([kind, front, back, list(accepted)], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Changes:
    """What a new version changes against the published notes."""

    added: tuple[SharedNote, ...]
    changed: tuple[SharedNote, ...]
    deleted: tuple[str, ...]
    restored: tuple[SharedNote, ...] = ()

    @property
    def empty(self) -> bool:
        """Whether nothing changed (no new version is made)."""
        return not (self.added or self.changed or self.deleted or self.restored)


def diff_notes(published: dict[str, tuple[SharedNote, bool]], current: list[SharedNote]) -> Changes:
    """Compare the published notes (guid -> (note, deleted)) with the author's notes now."""
    seen = set()
    added, changed, restored = [], [], []
    for note in current:
        seen.add(note.guid)
        before = published.get(note.guid)
        if before is None:
            added.append(note)
        elif before[1]:
            restored.append(note)
        elif before[0] != note:
            changed.append(note)
    deleted = [g for g, (_, gone) in published.items() if not gone and g not in seen]
    return Changes(tuple(added), tuple(changed), tuple(sorted(deleted)), tuple(restored))


@dataclass(frozen=True, slots=True)
class Conflict:
    """A note the learner edited that the author has since changed: both texts, to choose."""

    note_id: int
    publication_id: int
    deck_name: str
    mine_front: str
    mine_back: str
    theirs: SharedNote
    version: int


@dataclass(frozen=True, slots=True)
class LearnerProgress:
    """One learner's work on a class's decks (nothing of their private decks)."""

    user_id: int
    name: str
    reviews: int
    reviews_7d: int
    #: Share of reviews of mature-state cards (not learning steps) answered other than
    #: Again, over the last 30 days; None with no such review.
    true_retention: float | None
    #: Cards due now or overdue (learning, review, relearning; not suspended).
    backlog: int
    #: Cards the learner has not started yet.
    new_cards: int
    last_active: datetime | None


@dataclass(frozen=True, slots=True)
class HardCard:
    """A class card that learners often forget."""

    guid: str
    front: str
    back: str
    deck: str
    learners: int
    reviews: int
    again: int

    @property
    def again_rate(self) -> float:
        """Share of the card's reviews answered Again."""
        return self.again / self.reviews if self.reviews else 0.0
