"""Decks and their study options."""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from tokendeck.errors import ValidationError

DEFAULT_DECK = "Default"


@dataclass(frozen=True, slots=True)
class DeckConfig:
    """Study options of one deck; the defaults follow Anki's."""

    new_per_day: int = 20
    reviews_per_day: int = 200
    desired_retention: float = 0.90
    learning_steps: tuple[float, ...] = (60.0, 600.0)  # seconds: 1m 10m
    relearning_steps: tuple[float, ...] = (600.0,)  # 10m
    maximum_interval: int = 36500  # days
    leech_threshold: int = 8
    #: Fitted FSRS-6 parameters, or () for the defaults.
    fsrs_parameters: tuple[float, ...] = ()
    #: When and from how many reviews the parameters were fitted.
    fsrs_fitted_at: str = ""
    fsrs_review_count: int = 0

    def validated(self) -> DeckConfig:
        """Return self, or raise ValidationError naming the bad option.

        Types are checked too: options also come from files (a backup's or an Anki
        deck's), and one the scheduler cannot use would break every later answer.
        """
        _check_types(self)
        if not 0 <= self.new_per_day <= 9999 or not 0 <= self.reviews_per_day <= 99999:
            raise ValidationError(
                "daily limits must be between 0 and 9999", hint="e.g. 20 new, 200 reviews"
            )
        if not 0.70 <= self.desired_retention <= 0.99:
            raise ValidationError(
                f"desired retention {self.desired_retention} is out of range",
                hint="use 0.70 to 0.99",
            )
        if any(not 0 < s <= MAX_STEP for s in (*self.learning_steps, *self.relearning_steps)):
            raise ValidationError(
                "learning steps must be positive and at most a year", hint="e.g. 1m 10m"
            )
        if not 1 <= self.maximum_interval <= MAX_INTERVAL or not 1 <= self.leech_threshold <= 9999:
            raise ValidationError(
                f"the maximum interval must be 1 to {MAX_INTERVAL} days and the leech "
                "threshold 1 to 9999"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (tuples become lists)."""
        return {f.name: _plain(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeckConfig:
        """Build from stored JSON, ignoring unknown keys and keeping defaults for missing ones."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known
        }
        return cls(**values)

    def updated(self, **changes: Any) -> DeckConfig:
        """A copy with ``changes`` applied and validated."""
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValidationError(f"unknown deck option(s): {', '.join(sorted(unknown))}")
        cleaned: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in changes.items()
        }
        return replace(self, **cleaned).validated()


#: Longest learning step (seconds) and interval (days) an option may hold; Anki's own
#: maximum interval is 36,500 days.
MAX_STEP = 365 * 86400.0
MAX_INTERVAL = 36_500
_WHOLE = ("new_per_day", "reviews_per_day", "maximum_interval", "leech_threshold",
          "fsrs_review_count")  # fmt: skip
_NUMBERS = ("learning_steps", "relearning_steps", "fsrs_parameters")


def _check_types(config: DeckConfig) -> None:
    for name in _WHOLE:
        value = getattr(config, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValidationError(f"deck option {name} must be a whole number, not {value!r:.40}")
    for name in _NUMBERS:
        value = getattr(config, name)
        if not isinstance(value, tuple) or not all(_finite(v) for v in value) or len(value) > 64:
            raise ValidationError(
                f"deck option {name} must be a list of numbers, not {value!r:.40}"
            )
    if not _finite(config.desired_retention):
        raise ValidationError("desired retention must be a number", hint="use 0.70 to 0.99")
    if not isinstance(config.fsrs_fitted_at, str):
        raise ValidationError("deck option fsrs_fitted_at must be text")


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class Deck:
    """A named deck. Subdecks use ``Parent::Child`` names."""

    id: int
    user_id: int
    name: str
    description: str = ""
    config: DeckConfig = field(default_factory=DeckConfig)


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """What a deck holds today: new and due cards left to study, and the total."""

    deck: Deck
    new: int
    learning: int
    due: int
    total: int


def check_name(name: str) -> str:
    """A deck name, trimmed; raises ValidationError if empty."""
    cleaned = "::".join(part.strip() for part in name.split("::"))
    if not cleaned or any(not part for part in cleaned.split("::")):
        raise ValidationError(
            f"deck name {name!r} is empty", hint="give the deck a name, e.g. --deck Spanish"
        )
    return cleaned


def parse_steps(text: str) -> tuple[float, ...]:
    """``"1m 10m"`` -> ``(60.0, 600.0)``; accepts s, m, h, d suffixes."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    steps = []
    for token in text.replace(",", " ").split():
        unit = token[-1].lower()
        number = token[:-1] if unit in units else token
        try:
            steps.append(float(number) * units.get(unit, 60))
        except ValueError:
            raise ValidationError(
                f"bad learning step {token!r}", hint="write steps like 1m 10m 1h"
            ) from None
    return tuple(steps)
