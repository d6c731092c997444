"""The merge rules, pure: which value of a field wins, and when a deletion takes a row.

**Fields: last writer wins, per field.** Every synced field of a note, deck,
card or setting carries the hybrid-clock stamp of the edit that set it
(:mod:`.clock`); a value as created carries stamp 0. Merging two versions of a
row takes, field by field, the value with the larger stamp, so an edit of a
note's back on the phone and of its tags on the laptop both survive. The
value that loses is returned too: the caller keeps it in the note's history.

**Ties** (equal stamps with different values: two devices that each created
the same note, such as the built-in deck installed on both) go to the server:
the server keeps what it holds, and a client takes what the server sends. So
every replica ends with the server's choice.

**Deletions** are tombstones stamped when the row was deleted. A deletion
takes every version of the row created before it, edited or not: an edit
made offline to a note another device deleted does not bring it back (the
edit is kept in the note's history). A row created after the deletion (the
same GUID imported again) is a new row and lives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tokendeck.sync.clock import from_ms


@dataclass
class Merged:
    """The result of merging one row: values, stamps, and what changed or lost."""

    values: dict[str, Any]
    stamps: dict[str, int]
    #: Fields whose value now differs from the local version.
    changed: list[str] = field(default_factory=list)
    #: Fields where the incoming version did not win (the sender must learn the result).
    kept: list[str] = field(default_factory=list)
    #: (field, losing value, its stamp) for every field where two different values met.
    lost: list[tuple[str, Any, int]] = field(default_factory=list)


def merge_fields(
    names: Sequence[str],
    local: Mapping[str, Any],
    local_stamps: Mapping[str, int],
    incoming: Mapping[str, Any],
    incoming_stamps: Mapping[str, int],
    *,
    incoming_wins_ties: bool,
) -> Merged:
    """Merge two versions of a row field by field (last writer wins)."""
    result = Merged(dict(local), {})
    for name in names:
        mine, theirs = local[name], incoming[name]
        ms, ts = local_stamps.get(name, 0), incoming_stamps.get(name, 0)
        if mine == theirs:
            result.stamps[name] = max(ms, ts)
            continue
        if ts > ms or (ts == ms and incoming_wins_ties):
            result.values[name] = theirs
            result.stamps[name] = ts
            result.changed.append(name)
            result.lost.append((name, mine, ms))
        else:
            result.stamps[name] = ms
            result.kept.append(name)
            result.lost.append((name, theirs, ts))
    return result


def survives(created_ms: int, deleted: int | None) -> bool:
    """Whether a row created at ``created_ms`` outlives a deletion stamped ``deleted``."""
    return deleted is None or from_ms(created_ms) > deleted


def parse_stamps(text: str | None) -> dict[str, int]:
    """Stamps from their stored JSON (``{}`` or NULL: everything as created)."""
    if not text or text == "{}":
        return {}
    loaded = json.loads(text)
    return {str(k): int(v) for k, v in loaded.items() if v}


def dump_stamps(stamps: Mapping[str, int]) -> str:
    """Stamps as stored JSON (zeros left out, keys sorted so equal stamps compare equal)."""
    kept = {k: int(v) for k, v in sorted(stamps.items()) if v}
    return json.dumps(kept, separators=(",", ":")) if kept else "{}"


def newest(stamps: Mapping[str, int]) -> int:
    """The largest stamp of a row (0 when all its fields are as created)."""
    return max(stamps.values(), default=0)
