"""Media file names from untrusted files: plain names that fit in a folder.

A name comes from a package's media map, a backup's media list or a snapshot's
members and becomes a file in the collection's media folder, so it must be a
plain file name (no separators, no ``..``, no drive, no control characters,
not hidden), real text (no lone surrogates) and short enough for the file
system (255 bytes of UTF-8 on Linux, macOS and Windows alike).
"""

from __future__ import annotations

MAX_NAME_BYTES = 255
_SEPARATORS = "/\\:"


def media_name_problem(name: str, *, max_bytes: int = MAX_NAME_BYTES) -> str | None:
    """What is wrong with ``name`` as a media file name, or None if nothing is."""
    if name in ("", ".", "..") or any(ch in _SEPARATORS for ch in name):
        return "is not a plain file name"
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return "is not a plain file name (it holds control characters)"
    if name.startswith("."):
        return "is not a plain file name (it is hidden)"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "is not valid text"
    if size > max_bytes:
        return f"is {size} bytes long; file names may have at most {max_bytes}"
    return None


def shown(name: str, limit: int = 60) -> str:
    """A name quoted for a message: shortened, and printable whatever it holds."""
    text = name if len(name) <= limit else name[:limit] + "..."
    return repr(text)
