"""A learner's collection-wide settings: when a study day starts, and where."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tokendeck.domain.days import DEFAULT_ROLLOVER_HOUR, Calendar, zone


@dataclass(frozen=True, slots=True)
class Settings:
    """Collection-wide settings of one user."""

    rollover_hour: int = DEFAULT_ROLLOVER_HOUR
    timezone: str = "local"

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Settings:
        """Settings from the stored key/value pairs (absent keys take their defaults)."""
        return cls(
            rollover_hour=int(stored.get("rollover_hour", DEFAULT_ROLLOVER_HOUR)),
            timezone=str(stored.get("timezone", "local")),
        )

    def calendar(self) -> Calendar:
        """The study-day calendar these settings give (validates both values)."""
        return Calendar(zone(self.timezone), self.rollover_hour)
