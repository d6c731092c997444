"""Transfers: imports, exports, backups and restores of a collection.

Every file format goes through the neutral
:class:`~tokendeck.transfer.package.Package`: imports apply one
(:mod:`tokendeck.transfer.importing`, all or nothing), exports build one
(:mod:`tokendeck.transfer.exporting`), backups build the exact form
(:mod:`tokendeck.backup.records`), and a restore replaces the collection file
(:mod:`tokendeck.backup.restore`). The modules behind them are imported on
first use, so studying never pays for them at start-up.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from tokendeck.collection.core import Core
from tokendeck.collection.decks import Decks

if TYPE_CHECKING:
    from tokendeck.backup.restore import RestoreResult
    from tokendeck.transfer.importing import ImportResult
    from tokendeck.transfer.package import Package


class Transfers:
    """Import, export, backup and restore."""

    def __init__(self, core: Core, decks: Decks) -> None:
        self.core = core
        self.store = core.store
        self.decks = decks

    def import_package(
        self, package: Package, *, now: datetime, mode: str = "update", deck: str | None = None
    ) -> ImportResult:
        """Apply a Package all-or-nothing (see :mod:`tokendeck.transfer.importing`).

        ``mode`` says what happens to notes already there (same GUID, or same
        front for formats without ids): ``update``, ``duplicate`` or ``skip``;
        ``deck`` puts every card into that deck.
        """
        from tokendeck.rendering import card_ordinals
        from tokendeck.transfer.importing import apply_package

        try:
            return apply_package(
                self.store,
                package,
                now=now,
                calendar=self.core.calendar,
                media_dir=self.core.media_dir(),
                mode=mode,
                deck=deck,
                card_ordinals=lambda note_type, fields, tags: card_ordinals(
                    note_type, fields, tags=tags
                ),
            )
        finally:
            self.core.forget()

    def export_package(
        self,
        deck: str | int | None = None,
        *,
        with_scheduling: bool = True,
        full: bool = False,
        bulk_history: bool = False,
        with_media: bool = False,
    ) -> Package:
        """The collection (or a deck and its subdecks) as a Package.

        ``bulk_history``: the review log as a ReviewSource over this file, for
        formats that take it; ``full``: a backup, with ids, row times, settings,
        attempts and media; ``with_media``: the media files the notes use (for
        formats that carry them, such as Anki packages).
        """
        deck_ids = None if deck is None else self.decks.ids(deck)
        if full:
            from tokendeck.backup.records import build_backup

            return build_backup(self.store, self.core.media_dir(), deck_ids)
        from tokendeck.transfer.exporting import build_package

        package = build_package(
            self.store,
            deck_ids=deck_ids,
            with_scheduling=with_scheduling,
            bulk_history=bulk_history,
        )
        if with_media:
            from tokendeck.collection.media import Media

            package.media = Media(self.core).files_for(package)
        return package

    def write_snapshot(self, path: str | Path, *, now: datetime) -> None:
        """Write the database and its media as a snapshot zip (:mod:`tokendeck.backup.snapshot`).

        What the automatic daily backup writes: a consistent copy of the whole
        database, taken in about a second even for a large collection.
        """
        from tokendeck.backup.snapshot import write_archive

        write_archive(self.store, self.core.media_dir(), Path(path), now=now)

    def daily_backup(self, directory: str | Path, *, now: datetime, keep: int = 7) -> Path | None:
        """Today's automatic backup into ``directory``, unless written already (see
        :mod:`tokendeck.backup.daily`); keeps the newest ``keep``. Returns the new file."""
        from tokendeck.backup.daily import maybe_auto_backup

        return maybe_auto_backup(
            self.store, self.core.calendar, self.core.media_dir(), now, Path(directory), keep
        )

    @staticmethod
    def restore(
        path: str | Path, package: Package, *, now: datetime, user: str = "local"
    ) -> RestoreResult:
        """Replace the collection file at ``path`` with a backup (:mod:`tokendeck.backup.restore`).

        The old file is kept under ``backups/``; a failure leaves it untouched.
        """
        from tokendeck.backup.restore import restore_backup

        return restore_backup(Path(path), package, now=now, user=user)

    @staticmethod
    def restore_snapshot(path: str | Path, archive: str | Path, *, now: datetime) -> RestoreResult:
        """Replace the collection file at ``path`` with a snapshot zip, checked first.

        A damaged, foreign or newer snapshot is refused and the collection left
        untouched; an older schema is migrated; the old file is kept under ``backups/``.
        """
        from tokendeck.backup.snapshot import restore_snapshot

        return restore_snapshot(Path(path), Path(archive), now=now)
