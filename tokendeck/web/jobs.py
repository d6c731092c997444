"""What the web server's worker threads do (see :mod:`tokendeck.web.background`).

Each job opens the collection file itself (a connection belongs to one thread)
and closes it when done; results are plain values. Similarities prepared here
land in the process-wide cache the request handlers read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from tokendeck.collection import Collection
from tokendeck.web.settings import WebSettings

if TYPE_CHECKING:
    from tokendeck.grading import Grader
    from tokendeck.transfer.importing import ImportResult
    from tokendeck.transfer.package import Package

T = TypeVar("T")


@contextmanager
def worker_collection(
    settings: WebSettings, user: str, now: datetime, grader: Grader | None = None
) -> Iterator[Collection]:
    """The user's collection, opened on the worker thread for one job."""
    col = Collection.open(
        settings.location,
        user=user,
        now=now,
        install_builtin=False,
        fuzz_seed=settings.fuzz_seed,
    )
    try:
        if grader is not None:
            col.use_grader(grader)
        yield col
    finally:
        col.close()


def prepare_deck(
    settings: WebSettings, user: str, deck_id: int, now: datetime, grader: Grader
) -> None:
    """Embed a deck's cards (kept on disk) and keep its similarities in memory."""
    with worker_collection(settings, user, now, grader) as col:
        col.prepare_similarities(deck_id, now=now)


def with_collection(
    settings: WebSettings,
    user: str,
    now: datetime,
    work: Callable[[Collection], T],
    grader: Grader | None = None,
) -> T:
    """Run ``work(col)`` on the worker's own connection (statistics, graph, lint)."""
    with worker_collection(settings, user, now, grader) as col:
        return work(col)


def import_package(
    settings: WebSettings,
    user: str,
    now: datetime,
    package: Package,
    mode: str,
    deck: str | None,
) -> tuple[ImportResult, list[int]]:
    """Import all-or-nothing; returns the result and the ids of the decks it wrote to."""
    with worker_collection(settings, user, now) as col:
        result = col.import_package(package, now=now, mode=mode, deck=deck)
        names = [deck] if deck else package.deck_names()
        ids = [col.deck(name).id for name in names if _exists(col, name)]
        return result, ids


def rebuild_index(settings: WebSettings, user: str, now: datetime) -> bool:
    """Bring the full-text index up to date (after a bulk import)."""
    with worker_collection(settings, user, now) as col:
        return col.rebuild_search_index()


def snapshot(settings: WebSettings, user: str, now: datetime, label: str) -> Path | None:
    """A snapshot of the collection in ``backups/`` beside it (None for no file)."""
    from tokendeck.backup.daily import backup_dir, timestamped_name

    with worker_collection(settings, user, now) as col:
        if col.path is None:
            return None
        target = backup_dir(col.path) / timestamped_name(now, label)
        col.write_snapshot(target, now=now)
        return target


def _exists(col: Collection, name: str) -> bool:
    from tokendeck.errors import NotFoundError

    try:
        col.deck(name)
    except NotFoundError:
        return False
    return True


def plain(value: Any) -> Any:
    """A job's dataclass result as JSON-ready values."""
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value
