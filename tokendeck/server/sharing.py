"""Shared decks that update: publishing a deck to a class, and bringing learners' copies along.

The author publishes a deck of their collection (or an admin the built-in LLM
deck); each later "publish changes" writes a new version holding only what
changed. A learner's copy is their own deck in their own collection, studied
on their own schedule; on their next visit :meth:`Sharing.sync` applies the
versions they have not seen:

* a new note is added (keeping its GUID, so it is the same note everywhere);
* a changed note gets the new text, its cards, history and schedule untouched,
  unless the learner edited it: then the author's text waits beside theirs
  (:meth:`Sharing.conflicts`) until they choose (:meth:`Sharing.resolve`);
* a removed note's cards are suspended, history kept (and unsuspended if the
  author brings the note back);
* a note the learner deleted stays deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from tokendeck.domain.accounts import Account, Role
from tokendeck.domain.classes import (
    Changes,
    Conflict,
    Publication,
    PublishedVersion,
    SharedNote,
    content_fingerprint,
    diff_notes,
)
from tokendeck.domain.notes import Note
from tokendeck.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from tokendeck.server.classes import Classes
from tokendeck.storage.rows import to_ms
from tokendeck.storage.server import ServerStore
from tokendeck.storage.sharing import Subscriptions

if TYPE_CHECKING:
    from tokendeck.collection import Collection

BUILTIN = "builtin"
DECK = "deck"


def note_fingerprint(note: Note) -> str:
    """The fingerprint of a learner's note, comparable with :meth:`SharedNote.fingerprint`."""
    return content_fingerprint(note.kind, note.front, note.back, note.accepted)


def shared(note: Note) -> SharedNote:
    """The publishable part of a note."""
    return SharedNote(note.guid, note.kind, note.front, note.back, note.tags, note.accepted)


class Sharing:
    """The shared-deck part of the server facade."""

    def __init__(self, store: ServerStore, classes: Classes) -> None:
        self.store = store
        self.classes = classes

    # -- the author's side -------------------------------------------------------------------
    def publish_deck(
        self, author: Account, col: Collection, class_id: int, deck: str | int, *, now: datetime
    ) -> Publication:
        """Publish a deck of the author's collection (``col``) to a class they teach."""
        self.classes.taught(author, class_id)
        source = col.deck(deck)
        notes = _deck_notes(col, source.id)
        if not notes:
            raise ValidationError(
                f"the deck {source.name!r} has no notes", hint="add notes before publishing it"
            )
        return self._publish(
            author, class_id, DECK, source.id, source.name, source.description, notes, now
        )

    def publish_builtin(self, admin: Account, class_id: int, *, now: datetime) -> Publication:
        """Publish the built-in LLM Vocabulary deck to any class (admins only)."""
        if admin.role is not Role.ADMIN:
            raise ForbiddenError(
                "only an admin can publish the built-in deck", hint="ask the server's admin"
            )
        if self.store.classes.get(class_id) is None:
            raise NotFoundError(f"there is no class {class_id}", hint="see /admin for the classes")
        from tokendeck.builtin.deck import load_builtin

        builtin = load_builtin()
        notes = _package_notes(builtin.package.notes)
        return self._publish(
            admin, class_id, BUILTIN, None, builtin.deck, builtin.description, notes, now
        )

    def _publish(
        self,
        author: Account,
        class_id: int,
        source: str,
        source_deck_id: int | None,
        name: str,
        description: str,
        notes: list[SharedNote],
        now: datetime,
    ) -> Publication:
        with self.store.transaction():
            if self.store.publications.name_taken(class_id, name):
                raise ConflictError(
                    f"the class already has a deck named {name!r}",
                    hint="publish its changes from the class page instead",
                )
            publication_id = self.store.publications.create(
                class_id, author.user_id, source, source_deck_id, name, description, to_ms(now)
            )
            created = self._get(publication_id)
            self.store.publications.write_version(created, diff_notes({}, notes), to_ms(now))
        return self._get(publication_id)

    def pending(self, author: Account, col: Collection | None, publication_id: int) -> Changes:
        """What publishing now would change (``col``: the author's collection, for a deck)."""
        publication = self.authored(author, publication_id)
        return diff_notes(
            self.store.publications.notes(publication.id), self._source_notes(publication, col)
        )

    def publish_changes(
        self, author: Account, col: Collection | None, publication_id: int, *, now: datetime
    ) -> PublishedVersion | None:
        """Write the author's edits since the last version as a new one (None: no changes)."""
        publication = self.authored(author, publication_id)
        changes = diff_notes(
            self.store.publications.notes(publication.id), self._source_notes(publication, col)
        )
        if changes.empty:
            return None
        with self.store.transaction():
            self.store.publications.write_version(publication, changes, to_ms(now))
        return self.store.publications.versions(publication.id)[0]

    def refresh_builtin(self, *, now: datetime) -> int:
        """Publish a new version of every built-in publication whose shipped text changed.

        Run when the server starts, so a TokenDeck upgrade reaches every class.
        Returns how many publications got a new version.
        """
        publications = self.store.publications.builtin()
        if not publications:
            return 0
        from tokendeck.builtin.deck import load_builtin

        notes = _package_notes(load_builtin().package.notes)
        updated = 0
        for publication in publications:
            changes = diff_notes(self.store.publications.notes(publication.id), notes)
            if not changes.empty:
                with self.store.transaction():
                    self.store.publications.write_version(publication, changes, to_ms(now))
                updated += 1
        return updated

    def unpublish(self, author: Account, publication_id: int) -> None:
        """Stop publishing: learners keep their copies as their own decks."""
        publication = self.authored(author, publication_id)
        with self.store.transaction():
            self.store.publications.delete(publication.id)

    def authored(self, account: Account, publication_id: int) -> Publication:
        """A publication the account may change: its author, or the class's teacher."""
        found = self.store.publications.get(publication_id)
        if found is None:
            raise _not_found(publication_id)
        school_class = self.store.classes.get(found.class_id)
        teaches = school_class is not None and school_class.teacher_id == account.user_id
        if found.author_id != account.user_id and not teaches:
            raise _not_found(publication_id)
        return found

    def of_class(self, account: Account, class_id: int) -> list[Publication]:
        """The decks published to a class its teacher or learner asks about."""
        self.classes.get(account, class_id)
        return self.store.publications.of_class(class_id)

    def versions(self, account: Account, publication_id: int) -> list[PublishedVersion]:
        """A publication's versions, for its class's teacher and learners."""
        found = self.store.publications.get(publication_id)
        if found is None:
            raise _not_found(publication_id)
        try:
            self.classes.get(account, found.class_id)
        except NotFoundError:
            raise _not_found(publication_id) from None
        return self.store.publications.versions(publication_id)

    def _source_notes(self, publication: Publication, col: Collection | None) -> list[SharedNote]:
        if publication.source == BUILTIN:
            from tokendeck.builtin.deck import load_builtin

            return _package_notes(load_builtin().package.notes)
        if col is None or publication.source_deck_id is None:
            raise ValidationError("publishing a deck needs its author's collection")
        try:
            col.deck(publication.source_deck_id)
        except NotFoundError:
            raise NotFoundError(
                f"the deck published as {publication.name!r} is no longer in your collection",
                hint="unpublish it, or publish another deck",
            ) from None
        return _deck_notes(col, publication.source_deck_id)

    def _get(self, publication_id: int) -> Publication:
        found = self.store.publications.get(publication_id)
        if found is None:
            raise _not_found(publication_id)
        return found

    # -- the learner's side ------------------------------------------------------------------
    def sync(self, learner: Account, col: Collection, *, now: datetime) -> int:
        """Bring the learner's copies of their classes' decks to the newest versions.

        Cheap when nothing is new (one query). Returns how many decks changed.
        """
        behind = self._rows(learner).behind()
        for publication, version, deck_id in behind:
            with col.batch():
                if version is None or deck_id is None:
                    deck_id = self._subscribe(learner, col, publication, now)
                    version = 0
                self._apply(learner, col, publication, deck_id, version, now)
        return len(behind)

    def _subscribe(
        self, learner: Account, col: Collection, publication: Publication, now: datetime
    ) -> int:
        taken = {d.name.lower() for d in col.decks()}
        name, n = publication.name, 1
        while name.lower() in taken:
            n += 1
            name = f"{publication.name} ({n})"
        deck = col.create_deck(name, now=now)
        if publication.description:
            col.update_deck(deck.id, now=now, description=publication.description)
        self._rows(learner).subscribe(publication.id, deck.id, to_ms(now))
        return deck.id

    def _apply(
        self,
        learner: Account,
        col: Collection,
        publication: Publication,
        deck_id: int,
        version: int,
        now: datetime,
    ) -> None:
        pub, rows = publication.id, self._rows(learner)
        changed, deleted = self.store.publications.changes_since(pub, version)
        held = rows.notes(pub)
        new = [n for n in changed if n.guid not in held and col.note_by_guid(n.guid) is None]
        if new:
            _add_notes(col, col.deck(deck_id).name, new, now)
        for note in changed:
            self._receive(learner, col, publication, note, held.get(note.guid), now)
        for guid in deleted:
            entry = held.get(guid)
            if entry is None or entry[2]:
                continue
            cards = _cards_of(col, entry[0])
            if cards:
                col.suspend(cards, now=now)
                rows.set_suspended(pub, guid, True)
        rows.set_version(pub, publication.version, to_ms(now))

    def _receive(
        self,
        learner: Account,
        col: Collection,
        publication: Publication,
        theirs: SharedNote,
        held: tuple[int, str, bool] | None,
        now: datetime,
    ) -> None:
        """Take one changed note: update it, or keep it beside the learner's edit."""
        pub, rows = publication.id, self._rows(learner)
        mine = col.note_by_guid(theirs.guid)
        if mine is None:
            return  # the learner deleted it: their choice stands
        if held is None:  # just added, or a note of theirs with the same GUID: adopt it
            rows.put_note(pub, theirs.guid, mine.id, theirs.fingerprint())
            if note_fingerprint(mine) != theirs.fingerprint():
                rows.set_pending(pub, theirs.guid, theirs, publication.version)
            return
        _, received, suspended_by_us = held
        if suspended_by_us:
            cards = _cards_of(col, mine.id)
            if cards:
                col.unsuspend(cards, now=now)
        current = note_fingerprint(mine)
        if current == theirs.fingerprint():
            rows.put_note(pub, theirs.guid, mine.id, current)
        elif current == received:  # not edited by the learner: take the new text
            updated = _update_note(col, mine, theirs, now)
            rows.put_note(pub, theirs.guid, mine.id, note_fingerprint(updated))
        else:  # edited: keep theirs waiting beside the learner's text
            if suspended_by_us:
                rows.set_suspended(pub, theirs.guid, False)
            rows.set_pending(pub, theirs.guid, theirs, publication.version)

    def _rows(self, learner: Account) -> Subscriptions:
        """The learner's subscription rows, on the handle their collection uses."""
        return self.store.user(learner.user_id).subscriptions

    def conflicts(self, learner: Account, col: Collection) -> list[Conflict]:
        """Notes the learner edited that the author changed since: both texts."""
        found = []
        for note_id, pub, name, pending, version in self._rows(learner).conflicts():
            try:
                mine = col.note(note_id)
            except NotFoundError:
                continue
            theirs = SharedNote.from_json(pending)
            found.append(Conflict(note_id, pub, name, mine.front, mine.back, theirs, version))
        return found

    def conflict_count(self, learner: Account) -> int:
        """How many notes wait for the learner's choice (shown in the page header)."""
        return self._rows(learner).conflict_count()

    def resolve(
        self, learner: Account, col: Collection, note_id: int, choice: str, *, now: datetime
    ) -> Note:
        """Keep the learner's text (``mine``) or take the author's (``theirs``)."""
        if choice not in ("mine", "theirs"):
            raise ValidationError(f"unknown choice {choice!r}", hint="choose mine or theirs")
        rows = self._rows(learner)
        waiting = rows.conflict(note_id)
        if waiting is None:
            raise NotFoundError(
                f"note {note_id} has no waiting update", hint="see the list of updates"
            )
        pub, guid, pending, _ = waiting
        theirs = SharedNote.from_json(pending)
        mine = col.note(note_id)
        with col.batch():
            if choice == "theirs":
                mine = _update_note(col, mine, theirs, now)
                received = note_fingerprint(mine)
            else:  # keep mine: it now counts as based on the author's newest text
                received = theirs.fingerprint()
            rows.put_note(pub, guid, note_id, received)
        return mine


def _not_found(publication_id: int) -> NotFoundError:
    return NotFoundError(
        f"you have no published deck {publication_id}", hint="see your classes at /classes"
    )


def _deck_notes(col: Collection, deck_id: int) -> list[SharedNote]:
    note_ids = sorted({card.note_id for card in col.cards(deck_id)})
    return [shared(col.note(i)) for i in note_ids]


def _package_notes(records: Iterable[object]) -> list[SharedNote]:
    from tokendeck.transfer.package import NoteRecord

    notes = []
    for record in records:
        assert isinstance(record, NoteRecord) and record.guid
        notes.append(
            SharedNote(
                guid=record.guid,
                kind=record.kind,
                front=record.front.strip(),
                back=record.back.strip(),
                tags=tuple(record.tags),
                accepted=tuple(record.accepted),
            )
        )
    return notes


def _add_notes(col: Collection, deck: str, notes: list[SharedNote], now: datetime) -> None:
    from tokendeck.transfer.package import NoteRecord, Package

    records = [
        NoteRecord(
            front=n.front,
            back=n.back,
            deck=deck,
            kind=n.kind,
            guid=n.guid,
            tags=list(n.tags),
            accepted=list(n.accepted),
        )
        for n in notes
    ]
    col.import_package(Package(notes=records, source="shared deck"), now=now, mode="skip")


def _update_note(col: Collection, mine: Note, theirs: SharedNote, now: datetime) -> Note:
    tags = (*theirs.tags, *(t for t in mine.tags if t not in theirs.tags))
    return col.edit_note(
        mine.id,
        now=now,
        front=theirs.front,
        back=theirs.back,
        tags=tags,
        accepted=theirs.accepted,
        kind=theirs.kind,
    )


def _cards_of(col: Collection, note_id: int) -> list[int]:
    return [card.id for card in col.cards_of_note(note_id)]
