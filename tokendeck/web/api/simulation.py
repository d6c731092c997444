"""``/api/v1/stats/simulation``: workload and knowledge retained against desired retention.

Computed on request (the statistics page asks when the learner opens the
panel), because simulating a year of study for eleven retention settings
takes from a fraction of a second to several seconds. Reading the review log
(a million answers for a large collection) happens in the readers' worker
thread with its own connection (:mod:`tokendeck.web.readers`) and the
simulation, which is pure, in another worker thread, so answers go on.
"""

from __future__ import annotations

import asyncio
import random
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from tokendeck.web.deps import Now, User
from tokendeck.web.readers import Readers
from tokendeck.web.strict import StrictJsonRoute

router = APIRouter(prefix="/stats", tags=["stats"], route_class=StrictJsonRoute)

#: The simulator's seed: the same collection gives the same chart.
SEED = 2024


class RetentionPoint(BaseModel):
    """One desired-retention setting, simulated."""

    desired_retention: float = Field(examples=[0.85])
    minutes_per_day: float = Field(description="average study time a day over the period")
    reviews_per_day: float = Field(description="average answers a day over the period")
    remembered: float = Field(description="cards expected to be remembered on the last day")
    remembered_share: float = Field(description="remembered / deck size (0 to 1)")
    seconds_per_remembered: float = Field(description="study time per remembered card")


class SimulationOut(BaseModel):
    """Workload and knowledge for each desired retention, and the recommendation."""

    deck: str | None
    parameters: Literal["fitted", "default"] = Field(
        description="fitted: the deck's own FSRS-6 parameters; default: FSRS-6 defaults"
    )
    fitted_at: str | None = Field(description="when the parameters were fitted")
    review_count: int | None = Field(description="reviews the fit used")
    days: int
    deck_size: int
    new_per_day: int
    desired_retention: float = Field(description="the deck's current setting")
    recommended_retention: float = Field(description="least study time per remembered card")
    points: list[RetentionPoint]


@router.get("/simulation", response_model=SimulationOut)
async def get_simulation(
    request: Request,
    user: User,
    now: Now,
    deck: str | None = None,
    days: int = Query(365, ge=30, le=3650, description="days of study to simulate"),
) -> SimulationOut:
    """Simulate ``days`` of study at desired retentions 0.70 to 0.95 with the learner's
    parameters (fitted when stored, defaults otherwise), deck size, new-card limit and
    answering habits."""
    from tokendeck.memory import workload

    readers: Readers = request.app.state.readers
    given = await readers.read(user, now, lambda col: col.workload_inputs(deck, now=now))
    result = await asyncio.to_thread(
        workload.simulate,
        given,
        days=days,
        rng=random.Random(SEED),
        retentions=workload.PAGE_RETENTIONS,
        runs=2,
    )
    points = [
        RetentionPoint(
            desired_retention=o.desired_retention,
            minutes_per_day=round(o.minutes / days, 3),
            reviews_per_day=round(o.reviews / days, 2),
            remembered=round(o.remembered, 1),
            remembered_share=round(o.remembered / given.deck_size, 4),
            seconds_per_remembered=round(o.seconds_per_remembered, 2),
        )
        for o in result.outcomes
    ]
    return SimulationOut(
        deck=deck,
        parameters="fitted" if given.fitted else "default",
        fitted_at=given.fitted_at or None,
        review_count=given.review_count or None,
        days=days,
        deck_size=given.deck_size,
        new_per_day=given.new_per_day,
        desired_retention=given.desired_retention,
        recommended_retention=result.recommended.desired_retention,
        points=points,
    )
