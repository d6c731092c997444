"""Which note already in the collection each of an import's notes is.

The rule is the package's (:attr:`Package.match`): by GUID only for Anki packages
and backups; for other files a GUID the file gives, else the front, and a note
whose recorded source (``file#entry heading``) is the file's entry is that note,
*already here*. Whatever the rule, a collection note is matched at most once per
import, so two notes of one file never merge.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from tokendeck.storage import Store
from tokendeck.transfer.package import NoteRecord, Package

#: A note recognised from its recorded source: neither added nor changed.
ALREADY = -1
#: A recorded source: "<file>#<entry number> <the heading the note was made from>".
_SOURCE = re.compile(r"^(?P<file>[^#]+)#\d+ (?P<heading>.+)$", re.DOTALL)


class Matcher:
    """Which note already in the collection each of a file's notes is (Package.match).

    A collection note is matched at most once per import: a second note of the
    same file that would match it (two notes sharing a GUID, two rows with one
    front) is a note of its own, so one file's notes are never merged. The n-th
    note of a file to share a GUID is stored under a GUID derived from it and n,
    so importing the same file again finds every one of them again.
    """

    def __init__(self, store: Store, package: Package, mode: str) -> None:
        self.rule = package.match
        self.guids = store.bulk.guid_index()
        by_text = self.rule == "front" and mode != "duplicate"
        self.fronts = store.bulk.front_index() if by_text else {}
        self.sources = _source_index(store, package.source) if by_text else {}
        self.claimed: set[int] = set()
        self.seen: dict[str, int] = {}
        self.shared = 0
        #: The GUID the note just looked up is stored under if it is new.
        self.guid: str | None = None

    def find(self, record: NoteRecord) -> int | None:
        """The id of the note ``record`` is, ALREADY, or None for a new note."""
        guid = self.guid = record.guid
        found = None
        if guid:
            count = self.seen[guid] = self.seen.get(guid, 0) + 1
            if count > 1:  # the same GUID again in one file: a note of its own
                self.shared += 1
                guid = self.guid = _derived_guid(guid, count)
            found = self.guids.get(guid)
        if found is None and self.rule == "front":
            if self.sources:  # usually empty: no key worked out per note then
                found = self.sources.get(_key(record.front))
                if found is not None:
                    return ALREADY if found not in self.claimed else None
            if not record.guid:
                found = self.fronts.get(record.front.strip().lower())
        if found is not None and found in self.claimed:
            self.shared += 1
            return None
        return found

    def claim(self, note_id: int) -> None:
        """``note_id`` has been matched (or added) by this import."""
        self.claimed.add(note_id)

    def new_guid(self, note_id: int, fresh: Iterator[str]) -> str:
        """The GUID the note just looked up is stored under: its own unless taken."""
        if self.guid and self.guid not in self.guids:
            self.guids[self.guid] = note_id
            return self.guid
        return next(fresh)  # unique already: no need to remember it


def _derived_guid(guid: str, count: int) -> str:
    """The GUID the ``count``-th note of a file to share ``guid`` is stored under."""
    digest = hashlib.sha1(f"{guid}\x1f{count}".encode(), usedforsecurity=False)
    return digest.hexdigest()[:20]


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _source_index(store: Store, source: str) -> dict[str, int]:
    """Heading -> note id of the notes made from the file called like ``source``."""
    name = PurePosixPath(source.replace("\\", "/")).name
    index: dict[str, int] = {}
    if not name:
        return index
    for note_id, recorded in store.notes.sources():
        match = _SOURCE.match(recorded)
        if match and match.group("file") == name:
            index.setdefault(_key(match.group("heading")), note_id)
    return index
