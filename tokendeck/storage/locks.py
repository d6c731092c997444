"""Who is using a collection file: a shared lock per open collection, an exclusive one to
replace it.

A restore replaces the collection file with a new one. A process that has the
old file open (``tokendeck serve``, a study session) would go on writing into
the old file, unseen: a server once acknowledged thousands of answers that
never reached the restored collection. So every open collection holds a shared
lock, and a restore takes the exclusive lock without waiting: it is refused,
changing nothing, while anything else has the collection open, and nothing can
open the collection while the restore swaps the files.

The lock is ``flock`` on a small file in the runtime directory named after the
collection's real path, not a file beside the collection (SQLite's own locks
on the database file must not be disturbed, and the folder stays the
learner's). Locks vanish with the process that held them, so a crash leaves
nothing stale to clean up.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tokendeck.errors import StorageError

#: How long opening a collection waits for a restore that is swapping files.
WAIT_SECONDS = 10.0


def lock_path(collection: Path) -> Path:
    """The lock file of a collection file (in the runtime directory, by its real path)."""
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()) / "tokendeck-locks"
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256(str(Path(collection).resolve()).encode()).hexdigest()[:32]
    return base / f"{digest}.lock"


class SharedUse:
    """A shared lock held while a collection is open (released by :meth:`release`)."""

    def __init__(self, collection: Path) -> None:
        self._fd: int | None = os.open(lock_path(collection), os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + WAIT_SECONDS
        while not _try(self._fd, fcntl.LOCK_SH):
            if time.monotonic() > deadline:
                self.release()
                raise StorageError(
                    f"the collection {collection} is being restored",
                    hint="wait for the restore to finish, then try again",
                )
            time.sleep(0.05)

    def release(self) -> None:
        """Let go of the lock (idempotent)."""
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


@contextmanager
def exclusive_use(collection: Path) -> Iterator[None]:
    """Hold the collection exclusively while inside; refuse at once if anything has it open."""
    fd = os.open(lock_path(collection), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if not _try(fd, fcntl.LOCK_EX):
            raise StorageError(
                f"the collection {collection} is in use (open in a server or another window)",
                hint="stop `tokendeck serve` and close study sessions using it, then try again",
            )
        yield
    finally:
        os.close(fd)


def _try(fd: int, mode: int) -> bool:
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True
