"""JSON from an untrusted file: strict UTF-8, no NaN, no lone surrogates, bounded nesting.

Python's ``json`` accepts things a TokenDeck record must never hold: ``NaN``
and ``Infinity`` (stored, they break every later computation), ``"\\ud800"``
escapes that decode to a lone surrogate (SQLite and every encoder refuse it
later, far from the file that caused it) and nesting until the recursion limit.
:func:`load_json` refuses all three while reading, naming the file and, for a
surrogate, the place in the document.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tokendeck.errors import ImportFormatError
from tokendeck.untrusted.guard import printable

#: A \\uD800-\\uDFFF escape: only documents that have one need the full surrogate walk.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def load_json(raw: bytes, *, source: str, what: str, hint: str) -> Any:
    """Parse ``raw`` (the bytes of the document called ``what``) or raise ImportFormatError."""
    try:
        text = raw.decode("utf-8")  # strict: an encoded surrogate is refused here
    except UnicodeDecodeError as exc:
        raise ImportFormatError(
            f"{what} is not UTF-8 text (bad byte at offset {exc.start})", path=source, hint=hint
        ) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise ImportFormatError(f"{what} is nested too deeply", path=source, hint=hint) from None
    except ValueError as exc:
        raise ImportFormatError(
            f"{what} is not valid JSON ({printable(exc)})", path=source, hint=hint
        ) from None
    if _SURROGATE_ESCAPE.search(raw):
        where = lone_surrogate(value)
        if where is not None:
            raise ImportFormatError(
                f"{what} holds a lone UTF-16 surrogate, which is not text",
                path=source,
                record=where,
                hint=hint,
            )
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number JSON allows")


def lone_surrogate(value: Any) -> str | None:
    """Where in ``value`` (a parsed JSON value) a string holds a lone surrogate, or None."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not _encodable(item):
                return where or "the document"
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _encodable(key):
                    return f"{where}.{key.encode('utf-8', 'backslashreplace').decode()}"
                stack.append((inner, f"{where}.{key}" if where else key))
        elif isinstance(item, list):
            stack.extend((inner, f"{where}[{i}]") for i, inner in enumerate(item))
    return None


def _encodable(text: str) -> bool:
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def depth(value: Any) -> int:
    """How many levels of lists and objects ``value`` has (0 for a plain value)."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            stack.extend((inner, level + 1) for inner in item.values())
            deepest = max(deepest, level + 1)
        elif isinstance(item, list):
            stack.extend((inner, level + 1) for inner in item)
            deepest = max(deepest, level + 1)
    return deepest
