"""What the workload simulator needs from a collection, gathered in one place.

The parameters in force (fitted and stored on the deck by ``tokendeck optimize``,
else the FSRS-6 defaults, and which of the two), the deck's size, new-card
limit and desired retention, and the learner's answering habits from the
review log. Both ``tokendeck simulate`` and the statistics page use it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tokendeck.memory import fsrs6, review_table, simulation

if TYPE_CHECKING:
    from tokendeck.collection import Collection

#: Desired retentions the statistics page tries: 0.70, 0.725, ... 0.95 (11 runs, not 26).
PAGE_RETENTIONS = tuple(round(0.70 + i * 0.025, 3) for i in range(11))


@dataclass(frozen=True, slots=True)
class Inputs:
    """A deck's (or every deck's) situation, as the simulator takes it."""

    parameters: tuple[float, ...]
    fitted: bool  # False: the FSRS-6 defaults, because nothing was fitted yet
    fitted_at: str  # ISO time of the fit ("" for the defaults)
    review_count: int  # reviews the fit used (0 for the defaults)
    deck_size: int
    new_per_day: int
    desired_retention: float
    habits: simulation.Habits


def inputs(col: Collection, deck: str | int | None, *, now: datetime) -> Inputs:
    """Parameters, sizes and habits for ``deck`` (None: the whole collection).

    For the whole collection the first deck with fitted parameters speaks for
    all (``optimize --all`` stores the same ones on every deck).
    """
    from tokendeck.domain.decks import DeckConfig

    decks = [col.deck(deck)] if deck is not None else col.decks()
    fitted = next((d.config for d in decks if d.config.fsrs_parameters), None)
    first = decks[0].config if decks else DeckConfig()
    table = review_table.from_rows(col.review_rows(deck))
    return Inputs(
        parameters=tuple(fitted.fsrs_parameters) if fitted else fsrs6.DEFAULT_PARAMETERS,
        fitted=fitted is not None,
        fitted_at=fitted.fsrs_fitted_at if fitted else "",
        review_count=fitted.fsrs_review_count if fitted else 0,
        deck_size=max(col.count_cards(now=now, deck=deck), 1),
        new_per_day=first.new_per_day if deck is not None else 20,
        desired_retention=(fitted or first).desired_retention,
        habits=simulation.habits_from_table(table, col.calendar),
    )


def simulate(
    given: Inputs,
    *,
    days: int,
    rng: random.Random,
    retentions: Sequence[float] = simulation.RETENTIONS,
    runs: int = 3,
) -> simulation.Simulation:
    """Run the simulator for these inputs (pure: no collection access, safe off-thread)."""
    return simulation.simulate(
        given.parameters,
        days=days,
        deck_size=given.deck_size,
        new_per_day=max(given.new_per_day, 1),
        rng=rng,
        habits=given.habits,
        retentions=retentions,
        runs=runs,
    )
