"""How much a read of an untrusted file may cost, and the counter that enforces it.

:class:`ReadLimits` is plain configuration (the CLI's defaults are generous, the
web server's :data:`WEB_LIMITS` are tighter); a :class:`Budget` is made for one
read and counts time, decompressed bytes and rows against the limits while the
file is being read, so a hostile file is refused as soon as it crosses one, not
after it has filled the memory or the disk. Time comes from ``limits.clock``
(``time.monotonic``), which tests replace to make a read "take" any time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from tokendeck.errors import TooLargeError

_MIB = 1 << 20


@dataclass(frozen=True)
class ReadLimits:
    """What one read of an untrusted file may use before it is refused."""

    #: Wall-clock seconds for the whole read (a recursive SQL view, a stalling parser).
    seconds: float = 600.0
    #: Members of a zip archive (an Anki deck with every media file is a few thousand).
    max_members: int = 200_000
    #: Bytes all members of an archive may decompress to, together.
    max_total_bytes: int = 8 << 30
    #: Bytes one member may decompress to.
    max_member_bytes: int = 8 << 30
    #: Largest expansion (decompressed / compressed) of an archive or of one member.
    #: Media barely compress; on a 5,000-card, 100,000-review collection a backup's JSON
    #: expands 9.4x, an .apkg's collection 3.4x and a snapshot's zstd database 2.3x;
    #: bombs expand 1,000x.
    max_ratio: int = 100
    #: Below this many decompressed bytes a member or archive is never judged by its
    #: ratio (a small file of repeated bytes compresses extremely well and is harmless).
    ratio_floor: int = 4 * _MIB
    #: Levels of nesting of free-form JSON values (settings, deck options).
    max_depth: int = 32
    #: Records (notes, cards, reviews, rows of a table) one file may hold.
    max_rows: int = 20_000_000
    #: Longest media file name, in UTF-8 bytes (what file systems allow).
    max_name_bytes: int = 255
    #: Largest text file (CSV, Markdown, ...) read whole into memory.
    max_text_bytes: int = 1 << 30
    #: Longest text value SQLite may hand back from an untrusted database.
    max_value_bytes: int = 256 * _MIB
    clock: Callable[[], float] = field(default=time.monotonic, compare=False, repr=False)

    def with_changes(self, **changes: object) -> ReadLimits:
        """A copy with some limits changed."""
        return replace(self, **changes)  # type: ignore[arg-type]


#: The local web server's limits: uploads are small (20 MiB by default) and a read
#: runs beside every other request, so it gets a minute and a gibibyte at most.
WEB_LIMITS = ReadLimits(seconds=60.0, max_total_bytes=1 << 30, max_member_bytes=1 << 30)


class Budget:
    """The running count of one read against its :class:`ReadLimits`."""

    def __init__(self, limits: ReadLimits | None = None, *, source: str) -> None:
        self.limits = limits or ReadLimits()
        self.source = source
        self.rows = 0
        self._started = self.limits.clock()

    def elapsed(self) -> float:
        """Seconds since the read started."""
        return self.limits.clock() - self._started

    def expired(self) -> bool:
        """Whether the read has used up its time."""
        return self.elapsed() > self.limits.seconds

    def check_time(self) -> None:
        """Raise :class:`TooLargeError` once the read has taken longer than allowed."""
        if self.expired():
            raise self.timed_out()

    def timed_out(self) -> TooLargeError:
        """The error for a read that ran out of time."""
        return TooLargeError(
            f"{self.source}: reading it took longer than {self.limits.seconds:g} s; refused",
            hint="the file is damaged, unusually large or built to stall a reader; "
            "split it into smaller files",
        )

    def count_rows(self, count: int = 1, *, what: str = "records") -> None:
        """Count ``count`` more records read; checks the row limit and the time."""
        self.rows += count
        if self.rows > self.limits.max_rows:
            raise TooLargeError(
                f"{self.source}: more than {self.limits.max_rows:,} {what}; refused",
                hint="split it into smaller files",
            )
        self.check_time()

    def check_text_size(self, size: int) -> None:
        """Refuse a text file too large to read whole."""
        if size > self.limits.max_text_bytes:
            raise TooLargeError(
                f"{self.source}: {size:,} bytes is too large to import as text "
                f"(at most {self.limits.max_text_bytes >> 20} MiB)",
                hint="split it into smaller files",
            )
