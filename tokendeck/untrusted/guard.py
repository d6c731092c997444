"""The last line of defence: nothing a reader did not foresee reaches the user as a traceback.

Readers check what they know can go wrong and say so precisely; :func:`reading`
wraps a whole read so that anything else (a library's ``ValueError`` on odd
bytes, a ``RecursionError``, a ``MemoryError``) still becomes an
:class:`~tokendeck.errors.ImportFormatError` naming the file. The original
exception stays chained for the log and for debugging.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from tokendeck.errors import ImportFormatError, TokenDeckError, TooLargeError

log = logging.getLogger(__name__)

DEFAULT_HINT = "the file is damaged or is not what its name says; export it again"


@contextmanager
def reading(source: str, *, hint: str = DEFAULT_HINT) -> Iterator[None]:
    """Translate every exception raised inside into a TokenDeck error naming ``source``."""
    try:
        yield
    except TokenDeckError:
        raise
    except RecursionError:
        raise ImportFormatError("it is nested too deeply to read", path=source, hint=hint) from None
    except MemoryError:
        raise TooLargeError(
            f"{source}: it does not fit in memory", hint="split it into smaller files"
        ) from None
    except Exception as exc:
        log.debug("unexpected error reading %s", source, exc_info=True)
        raise ImportFormatError(
            f"it cannot be read ({type(exc).__name__}: {printable(exc)})", path=source, hint=hint
        ) from exc


def printable(value: object, limit: int = 200) -> str:
    """``str(value)`` short and safe to print (it may quote hostile bytes or lone surrogates)."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[:limit] + "..."
