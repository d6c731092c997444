"""The hybrid logical clock (HLC) that stamps every edit.

A stamp is one integer: physical milliseconds shifted left by :data:`SHIFT`
bits, plus a counter in the low bits. Every local edit takes a stamp greater
than every stamp its replica has seen (its own and those received in a sync)
and at least its own physical time. So an edit made after seeing another one
always carries a larger stamp, whatever the two devices' wall clocks say: a
laptop whose clock runs three hours slow that edits a note after pulling the
phone's edit still wins, as it should. Concurrent edits (neither saw the
other) are ordered by their physical times, as any last-writer-wins must.

The same rule is written in SQL in the storage triggers (storage/sync_schema.py),
which stamp edits where they happen; these functions are its Python form for
the sync engine and the tests.
"""

from __future__ import annotations

#: Low bits of a stamp that hold the counter.
SHIFT = 16


def from_ms(physical_ms: int) -> int:
    """The smallest stamp of a physical time (counter zero)."""
    return int(physical_ms) << SHIFT


def physical_ms(stamp: int) -> int:
    """The physical milliseconds of a stamp."""
    return int(stamp) >> SHIFT


def tick(last: int, physical: int) -> int:
    """The stamp of a new local event: after ``last``, and not before ``physical`` ms."""
    return max(last + 1, from_ms(physical))


def observe(last: int, *received: int) -> int:
    """The clock after receiving stamps: never behind anything seen."""
    return max(last, *received) if received else last


def skew_ms(stamp: int, now_ms: int) -> int:
    """How far ``stamp`` lies ahead of ``now_ms`` (negative when behind)."""
    return physical_ms(stamp) - now_ms


def uid_text(uid: bytes) -> str:
    """A review id as 32 hex digits (messages, tombstone keys)."""
    return uid.hex()
