"""Fitting FSRS-6 on a large synthetic review log: TokenDeck vs Anki's own optimiser.

Both fit the same training items (every review on a later study day, with the
card's history before it). TokenDeck's time is measured twice: the fit alone
(fsrs-rs-python) and the whole path from review rows (study-day counting,
sample building, fit). Anki's is its backend's ``compute_fsrs_params_from_items``
(the `anki` PyPI package; skipped if it is not installed).

    .venv/bin/python benchmarks/bench_optimize.py [--cards 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tokendeck.days import Calendar
from tokendeck.memory import fsrs6
from tokendeck.memory.histories import Sample, card_histories, samples
from tokendeck.memory.revlogs import LoggedReview

START = datetime(2024, 1, 1, 9, tzinfo=UTC)


def synthetic_log(cards: int, rng: random.Random, horizon_days: int = 365) -> list[LoggedReview]:
    """Cards learnt over time and reviewed when FSRS-6 defaults say, recall drawn from R."""
    import fsrs_rs_python as rs

    model = rs.FSRS(list(fsrs6.DEFAULT_PARAMETERS))
    reviews: list[LoggedReview] = []
    for card_id in range(1, cards + 1):
        day = rng.randrange(horizon_days // 2)
        state, elapsed = None, 0
        while day < horizon_days:
            stability = state.stability if state else 1.0
            recalled = state is None or rng.random() < fsrs6.retrievability(
                elapsed, stability, fsrs6.DEFAULT_PARAMETERS
            )
            rating = rng.choice((2, 3, 3, 3, 3, 4)) if recalled else 1
            at = START + timedelta(days=day, minutes=rng.randrange(600))
            reviews.append(LoggedReview(card_id, at, rating, rng.randrange(3000, 15000)))
            nxt = model.next_states(state, 0.9, elapsed)
            chosen = (nxt.again, nxt.hard, nxt.good, nxt.easy)[rating - 1]
            state = chosen.memory
            elapsed = max(1, round(chosen.interval * rng.uniform(0.9, 1.1)))
            day += elapsed
    return reviews


def anki_items(batch: list[Sample]) -> list[Any]:
    from anki import scheduler_pb2

    return [
        scheduler_pb2.FsrsItem(
            reviews=[
                scheduler_pb2.FsrsReview(rating=s.rating, delta_t=s.delta_days) for s in x.steps
            ]
        )
        for x in batch
    ]


def timed(label: str, fn: Any) -> tuple[float, Any]:
    """Run ``fn``; print wall and CPU seconds (CPU counts every thread of the process)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<48}{seconds:>8.2f} s wall {time.process_time() - cpu:>8.2f} s cpu")
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1, help="alternate the two fits this often")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    _, log = timed(
        f"generate synthetic log ({args.cards} cards)", lambda: synthetic_log(args.cards, rng)
    )
    calendar = Calendar(UTC, 4)
    path, (params, count) = timed(
        "TokenDeck: whole path rows -> parameters",
        lambda: fsrs6.fit_histories(card_histories(log, calendar)),
    )
    print(f"  {len(log)} reviews, {count} training items")
    try:
        from anki._backend import RustBackend
    except ImportError:
        print("anki package not installed: pip install anki to compare")
        return
    scored = samples(card_histories(log, calendar))
    _, ours_items = timed(
        "TokenDeck: build FSRSItems", lambda: fsrs6.fsrs_items([s.steps for s in scored])
    )
    _, items = timed("Anki: build FsrsItem protobufs", lambda: anki_items(scored))
    backend = RustBackend()
    ours_times, anki_times = [], []
    for _ in range(args.repeat):  # alternating, so machine load hits both alike
        seconds, params = timed(
            "TokenDeck: fit items (fsrs-rs-python)", lambda: fsrs6.fit_items(ours_items)
        )
        ours_times.append(seconds)
        seconds, response = timed(
            "Anki: compute_fsrs_params_from_items",
            lambda: backend.compute_fsrs_params_from_items(items),
        )
        anki_times.append(seconds)
    ours_fit, anki_fit = min(ours_times), min(anki_times)
    print(f"ratio fit, best of {args.repeat} (TokenDeck / Anki):  {ours_fit / anki_fit:8.2f}")
    print(f"ratio whole path / Anki fit alone:          {path / anki_fit:8.2f}")
    print("ours:", [round(w, 3) for w in params])
    print("anki:", [round(w, 3) for w in response.params])
    print("true:", [round(w, 3) for w in fsrs6.DEFAULT_PARAMETERS])


if __name__ == "__main__":
    main()
