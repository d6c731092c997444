"""FSRS-6 over sample histories: memory states, recall predictions and fitting.

Backed by ``fsrs-rs-python`` (the Rust optimiser Anki uses, without torch),
imported lazily so the CLI's cold start does not pay for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from tokendeck.memory.histories import Sample, Step

#: FSRS-6 default parameters (the same numbers as fsrs-rs-python 0.9.3's).
DEFAULT_PARAMETERS: tuple[float, ...] = (
    0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334, 3.0194, 0.001, 1.8722, 0.1666,
    0.796, 1.4835, 0.0614, 0.2629, 1.6483, 0.6014, 1.8729, 0.5425, 0.0912, 0.0658, 0.1542,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MemoryState:
    """Stability (days until recall falls to 90 %) and difficulty (1..10)."""

    stability: float
    difficulty: float


def retrievability(elapsed_days: float, stability: float, parameters: Sequence[float]) -> float:
    """FSRS-6 forgetting curve: probability of recall after ``elapsed_days``."""
    decay = parameters[20]
    factor = 0.9 ** (-1 / decay) - 1
    return float((1 + factor * elapsed_days / stability) ** -decay)


def fsrs_item_reviews(steps: Sequence[Step], shared: dict[tuple[int, int], Any]) -> list[Any]:
    """``FSRSReview``s for steps, reusing one object per (rating, days) pair from ``shared``."""
    import fsrs_rs_python as rs

    reviews = []
    for s in steps:
        key = (s.rating, s.delta_days)
        review = shared.get(key)
        if review is None:
            review = shared[key] = rs.FSRSReview(s.rating, s.delta_days)
        reviews.append(review)
    return reviews


def fsrs_item(steps: Sequence[Step], shared: dict[tuple[int, int], Any] | None = None) -> Any:
    """An ``fsrs_rs_python.FSRSItem`` from review steps."""
    import fsrs_rs_python as rs

    return rs.FSRSItem(fsrs_item_reviews(steps, {} if shared is None else shared))


def fsrs_items(histories: Sequence[Sequence[Step]]) -> list[Any]:
    """Items for many histories, sharing one review object per (rating, days) pair.

    Building millions of identical small Rust objects was most of a large fit.
    """
    shared: dict[tuple[int, int], Any] = {}
    return [fsrs_item(h, shared) for h in histories]


def memory_states(
    parameters: Sequence[float], histories: Sequence[Sequence[Step]]
) -> list[MemoryState]:
    """The memory state after each history (each must hold at least one review)."""
    import fsrs_rs_python as rs

    model = rs.FSRS(list(parameters))
    states = model.memory_state_batch(fsrs_items(histories))
    return [MemoryState(s.stability, s.difficulty) for s in states]


def item_memory_states(parameters: Sequence[float], items: Sequence[Any]) -> list[MemoryState]:
    """The memory state after each ready-made ``FSRSItem``."""
    import fsrs_rs_python as rs

    states = rs.FSRS(list(parameters)).memory_state_batch(list(items))
    return [MemoryState(s.stability, s.difficulty) for s in states]


def states_before(parameters: Sequence[float], batch: Sequence[Sample]) -> list[MemoryState]:
    """Each sample's memory state just before its predicted review."""
    return memory_states(parameters, [s.steps[:-1] for s in batch])


def predict(parameters: Sequence[float], batch: Sequence[Sample]) -> list[float]:
    """Probability of recall at each sample's predicted review."""
    states = states_before(parameters, batch)
    return [
        retrievability(s.target.delta_days, state.stability, parameters)
        for s, state in zip(batch, states, strict=True)
    ]


def fit(batch: Sequence[Sample], *, seed: int = 2023) -> list[float]:
    """FSRS-6 parameters fitted to ``batch`` (fsrs-rs: pretrain, then gradient descent)."""
    return fit_items(fsrs_items([s.steps for s in batch]), seed=seed)


def fit_items(items: Sequence[Any], *, seed: int = 2023) -> list[float]:
    """FSRS-6 parameters fitted to ready-made ``FSRSItem``s."""
    import fsrs_rs_python as rs

    config = rs.TrainingConfig(seed=seed)
    model = rs.FSRS(list(DEFAULT_PARAMETERS))
    return [float(w) for w in model.compute_parameters(items, training_config=config)]
