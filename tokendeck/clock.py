"""The one place that reads the wall clock; everything else takes ``now``."""

from __future__ import annotations

from datetime import UTC, datetime

from tokendeck.errors import ValidationError


def now() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def parse_instant(text: str) -> datetime:
    """Parse an ISO-8601 time; a time without zone is taken as local time."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(
            f"{text!r} is not an ISO-8601 time",
            hint="write it like 2026-11-28T09:30 or 2026-11-28T09:30:00+01:00",
        ) from None
    if value.tzinfo is None:
        value = value.astimezone()  # interpret as the machine's local time
    return value.astimezone(UTC)
