"""Decks and their study options."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
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


#: Every option a deck can set (and a subdeck inherit).
OPTION_NAMES = tuple(f.name for f in fields(DeckConfig))


@dataclass(frozen=True, slots=True)
class Deck:
    """A named deck. Subdecks use ``Parent::Child`` names.

    ``options`` are the options this deck sets itself (JSON-ready); ``config`` is
    what is in force: the defaults, overlaid by each ancestor's own options from
    the top deck down, then by this deck's (see :func:`resolve_configs`).
    """

    id: int
    user_id: int
    name: str
    description: str = ""
    config: DeckConfig = field(default_factory=DeckConfig)
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def parent_name(self) -> str | None:
        """``"A::B"`` for ``"A::B::C"``; None for a top-level deck."""
        head, sep, _ = self.name.rpartition("::")
        return head if sep else None

    @property
    def basename(self) -> str:
        """The last part of the name (``"C"`` for ``"A::B::C"``)."""
        return self.name.rpartition("::")[2]

    @property
    def depth(self) -> int:
        """0 for a top-level deck, 1 for its subdecks, and so on."""
        return self.name.count("::")

    def inherited(self) -> tuple[str, ...]:
        """Options this deck takes from its parent (or the defaults)."""
        return tuple(name for name in OPTION_NAMES if name not in self.options)


def parent_names(name: str) -> list[str]:
    """Every ancestor of a deck name, top first: ``"A::B::C"`` -> ``["A", "A::B"]``."""
    parts = name.split("::")
    return ["::".join(parts[:n]) for n in range(1, len(parts))]


def is_within(name: str, ancestor: str) -> bool:
    """Whether deck ``name`` is ``ancestor`` or one of its subdecks (case-insensitive)."""
    low, top = name.lower(), ancestor.lower()
    return low == top or low.startswith(top + "::")


def own_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """Only the known options of a stored mapping, JSON-ready (tuples as lists)."""
    return {k: _plain(v) for k, v in options.items() if k in OPTION_NAMES}


def resolve_configs(decks: Iterable[Deck]) -> list[Deck]:
    """The decks with the configuration each has in force, in the order given.

    A subdeck inherits every option it does not set from its parent, which
    inherits from its own parent; a top-level deck from the defaults. A missing
    parent (``A::B`` without ``A``) passes its own parent's through.
    """
    given = list(decks)
    by_name = {d.name.lower(): d for d in given}
    effective: dict[str, dict[str, Any]] = {}

    def of(name: str) -> dict[str, Any]:
        key = name.lower()
        if key not in effective:
            parent = name.rpartition("::")[0]
            base = of(parent) if parent else DeckConfig().to_dict()
            deck = by_name.get(key)
            effective[key] = {**base, **own_options(deck.options)} if deck else base
        return effective[key]

    return [replace(d, config=DeckConfig.from_dict(of(d.name))) for d in given]


def options_relative_to(config: DeckConfig, inherited: DeckConfig) -> dict[str, Any]:
    """The options of ``config`` that differ from what it would inherit."""
    mine, theirs = config.to_dict(), inherited.to_dict()
    return {k: v for k, v in mine.items() if theirs.get(k) != v}


@dataclass(frozen=True, slots=True)
class DeckCounts:
    """What a deck holds today: new and due cards left to study, and the total."""

    deck: Deck
    new: int
    learning: int
    due: int
    total: int


@dataclass(frozen=True, slots=True)
class DeckNode:
    """A deck in the deck tree: its counts (subdecks rolled up) and its subdecks."""

    counts: DeckCounts
    children: tuple[DeckNode, ...] = ()

    @property
    def deck(self) -> Deck:
        """The deck of this node."""
        return self.counts.deck

    def walk(self) -> Iterable[DeckNode]:
        """This node and every node below it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


def deck_tree(counts: Iterable[DeckCounts]) -> list[DeckNode]:
    """Arrange decks (counts already rolled up) as a tree of top-level nodes, by name."""
    ordered = sorted(counts, key=lambda c: c.deck.name.lower())
    children: dict[str, list[DeckCounts]] = {}
    known = {c.deck.name.lower() for c in ordered}
    tops = []
    for each in ordered:
        parent = _nearest_parent(each.deck.name, known)
        if parent is None:
            tops.append(each)
        else:
            children.setdefault(parent, []).append(each)

    def build(item: DeckCounts) -> DeckNode:
        below = children.get(item.deck.name.lower(), [])
        return DeckNode(item, tuple(build(c) for c in below))

    return [build(t) for t in tops]


def _nearest_parent(name: str, known: set[str]) -> str | None:
    for parent in reversed(parent_names(name)):
        if parent.lower() in known:
            return parent.lower()
    return None


def check_name(name: str) -> str:
    """A deck name, trimmed; raises ValidationError if empty."""
    cleaned = "::".join(part.strip() for part in name.split("::"))
    if not cleaned or any(not part for part in cleaned.split("::")):
        raise ValidationError(
            f"deck name {name!r} is empty",
            hint="give the deck a name, such as Spanish or Spanish::Verbs",
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
