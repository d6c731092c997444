"""What the workload simulator needs from a deck, gathered in one place.

The parameters in force (fitted and stored on the deck by ``tokendeck optimize``,
else the FSRS-6 defaults, and which of the two), the deck's size, new-card
limit and desired retention, and the learner's answering habits from the
review log. Both ``tokendeck simulate`` and the statistics page use it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from tokendeck.domain.days import Calendar
from tokendeck.domain.decks import Deck, DeckConfig
from tokendeck.memory import fsrs6, review_table, simulation

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


def inputs(
    decks: Sequence[Deck],
    rows: Sequence[tuple[int, int, int, int]],
    card_count: int,
    calendar: Calendar,
    *,
    whole_collection: bool,
) -> Inputs:
    """Parameters, sizes and habits for some decks and their review rows.

    ``decks`` is one deck (and nothing else) or, with ``whole_collection``, every
    deck: then the first deck with fitted parameters speaks for all (``optimize
    --all`` stores the same ones on every deck) and the new-card limit is the
    default. ``rows`` are the decks' review rows (``Collection.review_rows``).
    """
    fitted = next((d.config for d in decks if d.config.fsrs_parameters), None)
    first = decks[0].config if decks else DeckConfig()
    table = review_table.from_rows(list(rows))
    return Inputs(
        parameters=tuple(fitted.fsrs_parameters) if fitted else fsrs6.DEFAULT_PARAMETERS,
        fitted=fitted is not None,
        fitted_at=fitted.fsrs_fitted_at if fitted else "",
        review_count=fitted.fsrs_review_count if fitted else 0,
        deck_size=max(card_count, 1),
        new_per_day=20 if whole_collection else first.new_per_day,
        desired_retention=(fitted or first).desired_retention,
        habits=simulation.habits_from_table(table, calendar),
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
