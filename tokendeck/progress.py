"""Progress of long operations (imports, exports, backups), for whoever is watching.

The work reports ``(stage, done, total)`` as it goes; a front-end that wants
a progress bar listens with :func:`listening` around the call (the CLI draws
a bar on the terminal; the web API does not listen). Reporting is a context
variable lookup, so code that nobody watches pays almost nothing, and the
library never imports a terminal library.

Stages are short lower-case phrases ("writing notes"). ``total`` is 0 when
the size of a stage is unknown (one SQL statement copying a review log
reports only its start and end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

#: Called with (stage, done, total).
Reporter = Callable[[str, int, int], None]

T = TypeVar("T")

#: Rows written per step of a chunked bulk write: small enough for a bar to
#: move several times a second, large enough that the extra calls cost nothing.
CHUNK = 10_000

_listener: ContextVar[Reporter | None] = ContextVar("tokendeck_progress", default=None)


@contextmanager
def listening(reporter: Reporter) -> Iterator[None]:
    """Send the progress of everything run inside the block to ``reporter``."""
    token = _listener.set(reporter)
    try:
        yield
    finally:
        _listener.reset(token)


def report(stage: str, done: int, total: int = 0) -> None:
    """Tell the listener (if any) that ``done`` of ``total`` of ``stage`` are finished."""
    reporter = _listener.get()
    if reporter is not None:
        reporter(stage, done, total)


def chunks(rows: Sequence[T], stage: str, size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of ``rows`` to write one after the other, reporting after each.

    Always yields at least once (an empty slice for no rows), so a caller's
    per-chunk statement runs as it would for the whole sequence; a stage with
    no rows is not reported (an import without history shows no history step).
    """
    total = len(rows)
    if total <= size:
        yield rows
        if total:
            report(stage, total, total)
        return
    for start in range(0, total, size):
        yield rows[start : start + size]
        report(stage, min(start + size, total), total)
