"""Fitting FSRS-6 on a large synthetic review log: TokenDeck vs Anki's own optimiser.

Both fit the same training items (every review on a later study day, with the
card's history before it). Two comparisons, each with the `anki` PyPI package
(skipped if it is not installed):

* whole path: ``tokendeck.memory.optimizer.optimize`` from review rows vs Anki's
  ``compute_fsrs_params`` reading the same reviews from its own revlog table;
* fit alone, on identical ready-made items: fsrs-rs-python vs Anki's
  ``compute_fsrs_params_from_items`` (alternated, best of ``--repeat``).

    .venv/bin/python benchmarks/bench_optimize.py [--cards 100000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from tokendeck.days import Calendar
from tokendeck.memory import fsrs6, optimizer
from tokendeck.memory.histories import Sample, card_histories, samples
from tokendeck.memory.revlogs import LoggedReview, ReviewLog

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


def anki_collection(log: list[LoggedReview], folder: str) -> Any:
    """An Anki collection holding the log as cards, notes and revlog rows (not timed).

    Rows go in with sqlite3 while the collection is closed: Anki's own DB proxy
    takes many minutes for a million rows.
    """
    import os
    import sqlite3

    from anki.collection import Collection as AnkiCollection

    path = os.path.join(folder, "bench.anki2")
    col = AnkiCollection(path)
    notetype = col.models.all_names_and_ids()[0].id
    col.close()
    seen: set[int] = set()
    used: set[int] = set()
    rows = []
    for r in log:
        ms = int(r.reviewed_at.timestamp() * 1000)
        while ms in used:  # revlog ids are unique review times in ms
            ms += 1
        used.add(ms)
        kind = 1 if r.card_id in seen else 0  # first answer is a learning step
        seen.add(r.card_id)
        rows.append((ms, r.card_id, -1, r.rating, 1, 0, 2500, r.duration_ms, kind))
    with sqlite3.connect(path) as db:
        db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", rows)
        db.executemany(
            "insert into cards values (?,?,1,0,0,0,2,2,0,1,2500,1,0,0,0,0,0,'')",
            [(c, c) for c in seen],
        )
        db.executemany(
            "insert into notes values (?,?,?,0,0,'','q\x1fa','q',0,0,'')",
            [(c, f"g{c}", notetype) for c in seen],
        )
    return AnkiCollection(path)


def timed(label: str, fn: Any) -> tuple[float, Any]:
    """Run ``fn``; print wall and CPU seconds (CPU counts every thread of the process)."""
    start, cpu = time.perf_counter(), time.process_time()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"{label:<48}{seconds:>8.2f} s wall {time.process_time() - cpu:>8.2f} s cpu")
    return seconds, result


def anki_native(log: list[LoggedReview]) -> float:
    """Anki's whole path: its optimiser reading its own revlog table (seconds)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        col = anki_collection(log, folder)
        params = list(fsrs6.DEFAULT_PARAMETERS)
        seconds, response = timed(
            "Anki: compute_fsrs_params (revlog -> parameters)",
            lambda: col._backend.compute_fsrs_params(
                search="", current_params=params, ignore_revlogs_before_ms=0,
                num_of_relearning_steps=1, health_check=False,
            ),
        )  # fmt: skip
        print(f"  Anki used {response.fsrs_items} items")
        col.close()
    return float(seconds)


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
    path, fitted = timed(
        "TokenDeck: optimize (rows -> parameters)",
        lambda: optimizer.optimize(ReviewLog(log), calendar, now=START),
    )
    print(f"  {len(log)} reviews, {fitted.review_count} training items")
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
    native = anki_native(log)
    print(f"ratio fit, best of {args.repeat} (TokenDeck / Anki):  {ours_fit / anki_fit:8.2f}")
    print(f"ratio whole path / Anki fit alone:          {path / anki_fit:8.2f}")
    print(f"ratio whole path / Anki whole path:         {path / native:8.2f}")
    print("ours:", [round(w, 3) for w in params])
    print("anki:", [round(w, 3) for w in response.params])
    print("true:", [round(w, 3) for w in fsrs6.DEFAULT_PARAMETERS])


if __name__ == "__main__":
    main()
