"""Checking a collection, as Anki's Check Database does: find damage, repair what is safe.

``tokendeck check`` (and the web app's Check button) runs every finder of
:mod:`tokendeck.storage.check`. What has one right answer is repaired in one
transaction; everything else is reported with what to do about it. Nothing a
learner wrote or answered is deleted, except rows that can never be shown
(a card whose note is gone, an attempt whose review is gone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.domain.decks import DEFAULT_DECK
from tokendeck.storage.rows import to_ms


@dataclass(frozen=True, slots=True)
class Finding:
    """One kind of problem: how many rows had it, and whether it was repaired."""

    problem: str
    count: int
    repaired: bool
    #: What the learner can do when it was not repaired.
    hint: str = ""


@dataclass(frozen=True, slots=True)
class CheckReport:
    """Everything a check found; empty when the collection is sound."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether nothing is left unrepaired."""
        return all(f.repaired for f in self.findings)


class Check:
    """Finds and repairs problems in one user's collection."""

    def __init__(self, core: Core, decks: Decks, notes: Notes) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks
        self.notes = notes
        self.rows = core.store.consistency

    def run(self, *, now: datetime, repair: bool = True) -> CheckReport:
        """Check everything; with ``repair``, mend what is safe to mend."""
        damage = self.rows.damage()
        if damage:
            # Further queries would trip over the damage: a restore is the way out.
            return CheckReport([_damaged(damage)])
        found: list[Finding] = []
        found += self._references(repair, now)
        found += self._cards(repair, now)
        found += self._search_index(repair)
        if repair and any(f.repaired for f in found):
            self.core.forget()
        return CheckReport(found)

    # -- the finders -----------------------------------------------------------------------
    def _references(self, repair: bool, now: datetime) -> list[Finding]:
        found = []
        missing_deck = self.rows.cards_in_missing_decks()
        if missing_deck:
            if repair:
                target = self.decks.create(DEFAULT_DECK, now=now)
                with self.store.transaction():
                    for card_id in missing_deck:
                        self.store.cards.move(card_id, target.id, to_ms(now))
            found.append(
                Finding(
                    f"cards in a deck that no longer exists (moved to {DEFAULT_DECK!r})",
                    len(missing_deck),
                    repair,
                    f"move them back with `tokendeck cards --deck {DEFAULT_DECK}`",
                )
            )
        orphans = self.rows.orphaned_attempts()
        if orphans:
            if repair:
                with self.store.transaction():
                    self.rows.delete_orphaned_attempts()
            found.append(Finding("answer details whose review is gone", orphans, repair))
        empty = self.rows.notes_without_cards()
        if empty:
            if repair:
                target = self.decks.create(DEFAULT_DECK, now=now)
                with self.store.transaction():
                    for note_id in empty:
                        self.notes.make_cards(note_id, target.id, now)
            found.append(
                Finding(
                    f"notes without cards (their cards were made again in {DEFAULT_DECK!r})",
                    len(empty),
                    repair,
                )
            )
        return found

    def _cards(self, repair: bool, now: datetime) -> list[Finding]:
        found = []
        invalid = self.rows.invalid_cards()
        if invalid:
            found.append(
                Finding(
                    "cards with impossible scheduling values",
                    len(invalid),
                    False,
                    "reset them with `tokendeck reset CARD` (their history is kept)",
                )
            )
        counts = self.rows.count_mismatches()
        if counts:
            if repair:
                with self.store.transaction():
                    self.rows.set_counts([(n, lapses, card) for card, _, n, _, lapses in counts])
            found.append(
                Finding(
                    "cards whose review counts disagree with their history", len(counts), repair
                )
            )
        states = self.rows.state_mismatches()
        if states:
            found.append(
                Finding(
                    "cards whose state is not the one their last answer left",
                    len(states),
                    False,
                    "answer them again, or reset them with `tokendeck reset CARD`",
                )
            )
        return found

    def _search_index(self, repair: bool) -> list[Finding]:
        if not self.rows.search_index_faulty():
            return []
        if repair:
            self.rows.rebuild_search_index()
        return [Finding("the search index disagrees with the notes (rebuilt)", 1, repair)]


def _damaged(details: list[str]) -> Finding:
    return Finding(
        "the database file is damaged: " + "; ".join(details[:3]),
        len(details),
        False,
        "restore the latest backup with `tokendeck restore FILE` (backups are in the "
        "backups folder beside the collection)",
    )
