"""Classes: a teacher creates one, learners join with its code or link, the teacher watches.

What may be seen is decided here and answered as "not found" otherwise: a
class is visible to its teacher and its learners; its progress and hardest
cards to its teacher only. Nobody learns that a class exists by asking for
one they cannot see.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from tokendeck.domain.accounts import Account, Role
from tokendeck.domain.classes import HardCard, LearnerProgress, SchoolClass
from tokendeck.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    ValidationError,
)
from tokendeck.server import credentials
from tokendeck.server.accounts import WINDOW
from tokendeck.storage.classes import hardest
from tokendeck.storage.rows import to_ms
from tokendeck.storage.server import ServerStore

#: Wrong join codes one account may try per window (codes have about 40 bits).
MAX_BAD_CODES = 20
#: Reviews a card needs before it can rank among the hardest (one Again is no pattern).
MIN_REVIEWS = 3
MAX_NAME = 100


class Classes:
    """The class part of the server facade."""

    def __init__(self, store: ServerStore) -> None:
        self.store = store

    def create(self, teacher: Account, name: str, *, now: datetime) -> SchoolClass:
        """A new class with a fresh join code (teachers and admins)."""
        if not teacher.role.teaches:
            raise ForbiddenError(
                "only a teacher can create a class", hint="ask the server's admin to make you one"
            )
        cleaned = " ".join(name.split())
        if not cleaned or len(cleaned) > MAX_NAME:
            raise ValidationError(
                f"a class name is 1 to {MAX_NAME} characters", hint="e.g. 'Biology 2B'"
            )
        with self.store.transaction():
            if self.store.classes.name_taken(teacher.user_id, cleaned):
                raise ConflictError(
                    f"you already have a class named {cleaned!r}", hint="choose another name"
                )
            class_id = self.store.classes.create(
                teacher.user_id, cleaned, credentials.join_code(), to_ms(now)
            )
        return self._get(class_id)

    def all(self, admin: Account) -> list[SchoolClass]:
        """Every class (admins, who may publish the built-in deck to any)."""
        if admin.role is not Role.ADMIN:
            raise ForbiddenError("only an admin can do that", hint="ask the server's admin")
        return self.store.classes.all()

    def visible(self, account: Account) -> tuple[list[SchoolClass], list[SchoolClass]]:
        """(classes the account teaches, classes it joined)."""
        return (
            self.store.classes.taught_by(account.user_id),
            self.store.classes.joined_by(account.user_id),
        )

    def get(self, account: Account, class_id: int) -> SchoolClass:
        """A class its teacher or one of its learners asks for (NotFoundError for anyone else)."""
        found = self.store.classes.get(class_id)
        if found is None or not (
            found.teacher_id == account.user_id
            or self.store.classes.is_member(class_id, account.user_id)
        ):
            raise _not_found(class_id)
        return found

    def taught(self, teacher: Account, class_id: int) -> SchoolClass:
        """A class the account teaches (NotFoundError otherwise, even for its learners)."""
        found = self.store.classes.get(class_id)
        if found is None or found.teacher_id != teacher.user_id:
            raise _not_found(class_id)
        return found

    def preview(self, code: str) -> SchoolClass:
        """The class a join code opens (for the join page), NotFoundError if none."""
        found = self.store.classes.by_code(credentials.normalise_code(code))
        if found is None:
            raise NotFoundError("no class has that code", hint="check the code with your teacher")
        return found

    def join(self, learner: Account, code: str, *, now: datetime) -> SchoolClass:
        """Join the class of ``code``; its decks arrive on the learner's next visit."""
        key = f"join:{learner.user_id}"
        if self.store.attempts.failures(key, to_ms(now - WINDOW)) >= MAX_BAD_CODES:
            raise RateLimitedError(
                "too many wrong codes; wait a few minutes",
                retry_after_s=int(WINDOW.total_seconds()),
            )
        found = self.store.classes.by_code(credentials.normalise_code(code))
        if found is None:
            with self.store.transaction():
                self.store.attempts.record_failure(key, to_ms(now), to_ms(now - WINDOW))
            raise NotFoundError("no class has that code", hint="check the code with your teacher")
        if found.teacher_id == learner.user_id:
            raise ConflictError(
                "you teach this class", hint="a teacher sees the class without joining it"
            )
        with self.store.transaction():
            self.store.classes.join(found.id, learner.user_id, to_ms(now))
        return self._get(found.id)

    def leave(self, learner: Account, class_id: int) -> None:
        """Leave a class: the teacher no longer sees your work; your copies of its decks stay
        as your own decks and stop updating."""
        if not self.store.classes.is_member(class_id, learner.user_id):
            raise _not_found(class_id)
        self._remove(class_id, learner.user_id)

    def new_code(self, teacher: Account, class_id: int) -> SchoolClass:
        """Replace the join code (the old code and link stop working)."""
        self.taught(teacher, class_id)
        with self.store.transaction():
            self.store.classes.set_code(class_id, credentials.join_code())
        return self._get(class_id)

    def remove_learner(self, teacher: Account, class_id: int, user_id: int) -> None:
        """Take a learner out of the class (their copies of its decks stay theirs)."""
        self.taught(teacher, class_id)
        if not self.store.classes.is_member(class_id, user_id):
            raise NotFoundError(
                f"the class has no learner {user_id}", hint="see the class's progress table"
            )
        self._remove(class_id, user_id)

    def delete(self, teacher: Account, class_id: int) -> None:
        """Delete a class; learners keep their copies of its decks as their own."""
        self.taught(teacher, class_id)
        with self.store.transaction():
            self.store.classes.delete(class_id)

    def progress(self, teacher: Account, class_id: int, *, now: datetime) -> list[LearnerProgress]:
        """Each learner's work on the class's decks (teacher only).

        Read one learner at a time through the learner's own handle: row-level
        security on PostgreSQL would hand the teacher's handle nothing of theirs.
        """
        self.taught(teacher, class_id)
        return [
            self.store.user(user_id).work.progress(class_id, name, to_ms(now))
            for user_id, name in self.store.classes.learners(class_id)
        ]

    def hardest(self, teacher: Account, class_id: int, limit: int = 20) -> list[HardCard]:
        """The class's cards answered Again most often (teacher only; the author's text)."""
        self.taught(teacher, class_id)
        rows = [
            self.store.user(user_id).work.hard_cards(class_id)
            for user_id, _ in self.store.classes.learners(class_id)
        ]
        return hardest(rows, limit, MIN_REVIEWS)

    def _remove(self, class_id: int, user_id: int) -> None:
        """Take a learner out: the membership first (the teacher stops seeing their work at
        once), then their subscriptions, on their own handle (their decks stay)."""
        with self.store.transaction():
            self.store.classes.leave(class_id, user_id)
        mine = self.store.user(user_id)
        with mine.transaction():
            mine.subscriptions.drop_class(class_id)

    def _get(self, class_id: int) -> SchoolClass:
        found = self.store.classes.get(class_id)
        if found is None:
            raise _not_found(class_id)
        return found


def _not_found(class_id: int) -> NotFoundError:
    return NotFoundError(f"you have no class {class_id}", hint="see your classes at /classes")


def progress_csv(rows: Iterable[LearnerProgress]) -> str:
    """The progress table as CSV (a spreadsheet opens it)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["learner", "reviews", "reviews_7d", "true_retention", "backlog", "new", "last_active"]
    )
    for row in rows:
        writer.writerow(
            [
                _safe(row.name),
                row.reviews,
                row.reviews_7d,
                "" if row.true_retention is None else f"{row.true_retention:.3f}",
                row.backlog,
                row.new_cards,
                "" if row.last_active is None else row.last_active.isoformat(),
            ]
        )
    return out.getvalue()


def hardest_csv(rows: Iterable[HardCard]) -> str:
    """The hardest cards as CSV."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["deck", "front", "back", "learners", "reviews", "again", "again_rate"])
    for card in rows:
        writer.writerow(
            [
                _safe(card.deck),
                _safe(card.front),
                _safe(card.back),
                card.learners,
                card.reviews,
                card.again,
                f"{card.again_rate:.3f}",
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    # A cell starting with = + - @ runs as a formula in spreadsheets (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
