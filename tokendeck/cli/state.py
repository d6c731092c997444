"""What the global options (``--db``, ``--now``) give every command."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

import click

from tokendeck import clock

if TYPE_CHECKING:
    from tokendeck.collection import Collection


@dataclass
class CliState:
    """Global options, and the collection once a command opens it."""

    db_path: str | None = None
    now_text: str | None = None
    _collection: Collection | None = field(default=None, repr=False)

    def now(self) -> datetime:
        """``--now`` if given, else the wall clock (UTC)."""
        return clock.parse_instant(self.now_text) if self.now_text else clock.now()

    def collection(self) -> Collection:
        """Open the collection (once per process); closed when the command ends."""
        if self._collection is None:
            from tokendeck.collection import Collection

            self._collection = Collection.open(self.db_path, now=self.now())
            click.get_current_context().call_on_close(self._finish)
        return self._collection

    def _finish(self) -> None:
        """After a command: the daily automatic backup if anything changed, then close."""
        col = self._collection
        if col is None:
            return
        try:
            if col.changes and col.path is not None:
                self._daily_backup(col)
        finally:
            col.close()

    def _daily_backup(self, col: Collection) -> None:
        """Today's automatic backup; a failure warns but does not fail the command.

        The command's own work is already committed when this runs, so exiting
        with an error would tell the learner something failed that did not.
        """
        from tokendeck.backup.daily import backup_dir
        from tokendeck.errors import TokenDeckError

        assert col.path is not None  # _finish backs up files only
        folder = backup_dir(col.path)
        try:
            col.daily_backup(folder, now=self.now())
        except (TokenDeckError, OSError) as exc:
            click.echo(
                f"Warning: today's automatic backup into {folder} failed ({exc}); your changes "
                "are saved. Free some disk space or fix the folder, or run `tokendeck backup`.",
                err=True,
            )


def state() -> CliState:
    """The :class:`CliState` of the running command."""
    obj = click.get_current_context().find_root().obj
    assert isinstance(obj, CliState)
    return obj
