"""Bulk work: building a hundred thousand objects without the garbage collector's tax.

Python's cyclic garbage collector runs every few hundred container allocations
and, as the number of live objects grows, walks all of them again and again.
Reading a 100,000-row file or planning its import creates that many lists and
records and frees none of them, so the collector finds nothing but costs about
half the time of the whole step. :func:`collector_paused` switches it off for
such a step. Reference counting still frees everything as usual; only cycles
wait until the collector is back on, which it is when the outermost pause ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
#: How many pauses are open (threads of the web server may import at once), and
#: whether the collector was on before the first of them.
_open = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Switch the cyclic garbage collector off for the duration (nestable, thread-safe)."""
    global _open, _was_enabled
    with _lock:
        if _open == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _open += 1
    try:
        yield
    finally:
        with _lock:
            _open -= 1
            if _open == 0 and _was_enabled:
                gc.enable()
