"""The lean FSRS-6 step gives exactly what py-fsrs gives: state, step, memory and wait.

``tokendeck.scheduling.fsrs_step`` re-derives py-fsrs's ``review_card`` on plain
numbers for speed; these tests hold it to py-fsrs's own results, bit for bit,
on generated options (parameters within py-fsrs's bounds, retention, steps,
maximum interval), cards in every state and step, ratings and elapsed times.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import fsrs
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.scheduling.fsrs_step import Step

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

parameters = st.one_of(
    st.just(tuple(fsrs.scheduler.DEFAULT_PARAMETERS)),
    st.tuples(
        *(
            st.floats(low, high, allow_nan=False)
            for low, high in zip(LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
        )
    ),
)
steps = st.lists(st.integers(1, 3 * 86_400), max_size=3).map(
    lambda seconds: tuple(timedelta(seconds=s) for s in seconds)
)
memory = st.one_of(st.none(), st.floats(0.001, 40_000), st.floats(1.0, 10.0))


@settings(max_examples=600, deadline=None)
@given(
    w=parameters,
    retention=st.floats(0.7, 0.99),
    learning=steps,
    relearning=steps,
    maximum=st.integers(1, 36_500),
    state=st.sampled_from((fsrs.State.Learning, fsrs.State.Review, fsrs.State.Relearning)),
    step=st.integers(0, 4),
    stability=memory,
    difficulty=memory,
    since=st.one_of(st.none(), st.integers(0, 3 * 365 * 86_400)),
    rating=st.sampled_from(tuple(fsrs.Rating)),
)
def test_the_lean_step_gives_what_py_fsrs_gives(
    w: tuple[float, ...],
    retention: float,
    learning: tuple[timedelta, ...],
    relearning: tuple[timedelta, ...],
    maximum: int,
    state: fsrs.State,
    step: int,
    stability: float | None,
    difficulty: float | None,
    since: int | None,
    rating: fsrs.Rating,
) -> None:
    if state != fsrs.State.Learning and (stability is None or difficulty is None):
        stability, difficulty = stability or 5.0, difficulty or 5.0  # py-fsrs requires them
    reference = fsrs.Scheduler(w, retention, learning, relearning, maximum, enable_fuzzing=False)
    last = None if since is None else NOW - timedelta(seconds=since)
    card = fsrs.Card(
        card_id=1,
        state=state,
        step=None if state == fsrs.State.Review else step,
        stability=stability,
        difficulty=difficulty,
        due=NOW,
        last_review=last,
    )
    want, _ = reference.review_card(card, rating, NOW)
    lean = Step(w, retention, learning, relearning, maximum)
    days = None if last is None else (NOW - last).days
    got = lean.review(int(state), card.step, stability, difficulty, days, int(rating))
    assert (got.state, got.step) == (int(want.state), want.step)
    assert (got.stability, got.difficulty) == (want.stability, want.difficulty)
    assert NOW + got.wait == want.due
    if got.days is not None:
        assert got.wait == timedelta(days=got.days)
    every = lean.review_all(int(state), card.step, stability, difficulty, days)
    assert every[int(rating) - 1] == got
    if last is not None and stability is not None:
        assert lean.retrievability(days or 0, stability) == reference.get_card_retrievability(
            card, NOW
        )
