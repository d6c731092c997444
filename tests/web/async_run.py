"""Run a coroutine to the end from a test, whatever event loop the test session holds.

The browser tests keep Playwright's event loop running on the main thread for
the whole session, where ``asyncio.run`` refuses to start another; a worker
thread has no loop of its own yet.
"""

from __future__ import annotations

from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coroutine)`` in a fresh thread; its result or its exception."""
    import asyncio

    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, coroutine).result()
