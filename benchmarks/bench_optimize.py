"""Fitting FSRS-6 on a 100,000-card collection: TokenDeck vs Anki's own optimiser.

Both sides start from a collection file holding the same review log and end
with fitted parameters:

* TokenDeck: ``Collection.packed_review_log()`` (the whole log as one byte
  string from SQL), the review table, training items, ``optimizer.optimize``
  (fsrs-rs-python), as ``tokendeck optimize`` does;
* Anki: ``compute_fsrs_params`` on an open collection (its Rust backend reads
  its own ``revlog`` table, builds items and fits).

The log is synthetic but FSRS-shaped: cards are learnt over half a year and
reviewed when FSRS-6 defaults say, recall drawn from the predicted
retrievability, so the fit has something true to find. The two collections
are built once and cached under ``benchmarks/out/optimize-v1-<cards>c-s<seed>/``
(TokenDeck's through ``Collection.import_package``, Anki's revlog written with
sqlite3 while it is closed: Anki's own DB proxy takes many minutes for a
million rows). Measurements alternate TokenDeck and Anki (A B A B ...) in one
process, both collections open; the ratio is the median of per-pair ratios
(see ``common.py``). ``--fit-alone`` adds the fit on identical ready-made
items, without any reading.

    .venv/bin/python benchmarks/bench_optimize.py [--cards 100000] [--pairs 3]
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import OUT, Pairs, Row, table

from tokendeck.domain.days import Calendar
from tokendeck.memory import fsrs6, optimizer, review_table, training
from tokendeck.memory.histories import Sample, card_histories, samples
from tokendeck.memory.revlogs import LoggedReview

START = datetime(2024, 1, 1, 9, tzinfo=UTC)
NOW = START + timedelta(days=400)
CALENDAR = Calendar(UTC, 4)  # both sides: UTC (the machine's zone), day starts at 4 am
CHUNK = 5000  # notes per import package


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


# -- building the two collections (once, cached) ------------------------------------------------
def by_card(log: list[LoggedReview]) -> dict[int, list[LoggedReview]]:
    """The log grouped by card, each card's reviews in time order."""
    grouped: dict[int, list[LoggedReview]] = {}
    for review in log:
        grouped.setdefault(review.card_id, []).append(review)
    return grouped


def build_tokendeck(path: Path, cards: dict[int, list[LoggedReview]]) -> None:
    """A TokenDeck collection holding the log, written with the bulk import."""
    from tokendeck.collection import Collection
    from tokendeck.transfer.package import Package

    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC", rollover_hour=CALENDAR.rollover_hour)
        ids = sorted(cards)
        for start in range(0, len(ids), CHUNK):
            notes = [_note(i, cards[i]) for i in ids[start : start + CHUNK]]
            col.import_package(Package(notes=notes, source="synthetic"), now=NOW, mode="duplicate")


def _note(card_id: int, reviews: list[LoggedReview]) -> Any:
    from tokendeck.transfer.package import CardRecord, NoteRecord, ReviewRecord

    records = [
        ReviewRecord(
            r.reviewed_at,
            r.rating,
            r.duration_ms,
            kind="learn" if i == 0 else "review",
            state_before="new" if i == 0 else "review",
            state_after="review",
        )
        for i, r in enumerate(reviews)
    ]
    last = reviews[-1].reviewed_at
    card = CardRecord(
        state="review", due=last + timedelta(days=1), last_review=last,
        stability=1.0, difficulty=5.0, reps=len(reviews), reviews=records,
    )  # fmt: skip
    return NoteRecord(f"q{card_id}", "a", deck="Bench", guid=f"opt-{card_id}", cards=[card])


def build_anki(path: Path, cards: dict[int, list[LoggedReview]]) -> None:
    """An Anki collection with the same cards, notes and revlog rows."""
    from anki.collection import Collection as AnkiCollection

    col = AnkiCollection(str(path))
    notetype = col.models.all_names_and_ids()[0].id
    col.close()
    used: set[int] = set()
    rows = []
    for card_id in sorted(cards):
        for i, r in enumerate(cards[card_id]):
            ms = int(r.reviewed_at.timestamp() * 1000)
            while ms in used:  # revlog ids are unique review times in ms
                ms += 1
            used.add(ms)
            kind = 0 if i == 0 else 1  # first answer is a learning step
            rows.append((ms, card_id, -1, r.rating, 1, 0, 2500, r.duration_ms, kind))
    with sqlite3.connect(path) as db:
        db.executemany("insert into revlog values (?,?,?,?,?,?,?,?,?)", rows)
        db.executemany(
            "insert into cards values (?,?,1,0,0,0,2,2,0,1,2500,1,0,0,0,0,0,'')",
            [(c, c) for c in cards],
        )
        db.executemany(
            "insert into notes values (?,?,?,0,0,'','q\x1fa','q',0,0,'')",
            [(c, f"g{c}", notetype) for c in cards],
        )


def prepared(out: Path, cards: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The cached folder with both collections, built if missing."""
    folder = out / f"optimize-v1-{cards}c-s{seed}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        return folder, dict(json.loads(manifest_path.read_text()))
    folder.mkdir(parents=True, exist_ok=True)
    for stale in ("tokendeck.db", "anki.anki2"):
        (folder / stale).unlink(missing_ok=True)
    started = time.perf_counter()
    log = synthetic_log(cards, random.Random(seed))
    grouped = by_card(log)
    build_tokendeck(folder / "tokendeck.db", grouped)
    build_anki(folder / "anki.anki2", grouped)
    manifest = {
        "cards": cards, "reviews": len(log), "seed": seed,
        "built_in_s": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return folder, manifest


# -- the two sides -----------------------------------------------------------------------------
class Clock:
    """Wall and CPU seconds of one call (CPU counts every thread of the process)."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def split(self) -> tuple[float, float]:
        """Seconds since the last split (wall, cpu), and start a new one."""
        wall, cpu = time.perf_counter(), time.process_time()
        spent = (wall - self.wall, cpu - self.cpu)
        self.wall, self.cpu = wall, cpu
        return spent


class Sides:
    """Both collections, open, and what each fit returned last."""

    def __init__(self, folder: Path) -> None:
        # imported before timing, as Anki's backend is loaded before its side is timed
        import fsrs_rs_python  # noqa: F401
        import numpy  # noqa: F401
        from anki.collection import Collection as AnkiCollection

        from tokendeck.collection import Collection

        self.ours = Collection.open(folder / "tokendeck.db", now=NOW, install_builtin=False)
        self.anki = AnkiCollection(str(folder / "anki.anki2"))
        self.cpu = Pairs()
        self.phases: dict[str, list[float]] = {}
        self.results: dict[str, Any] = {}

    def tokendeck(self) -> float:
        """Collection file -> fitted parameters, TokenDeck (wall seconds)."""
        clock = Clock()
        table_ = review_table.from_packed_log(self.ours.packed_review_log())
        fitted = optimizer.optimize(table_, self.ours.calendar, now=NOW)
        wall, self._cpu_a = clock.split()
        self.results["ours"] = list(fitted.parameters)
        self.results["ours_items"] = fitted.review_count
        return wall

    def tokendeck_phases(self) -> None:
        """The same path once more, step by step (for the report, not the ratio)."""
        clock = Clock()
        log = self.ours.packed_review_log()
        self._phase("read the log (SQL)", clock)
        table_ = review_table.from_packed_log(log)
        self._phase("review table (numpy)", clock)
        items = training.training_items(table_, self.ours.calendar)
        self._phase("training items", clock)
        fsrs6.fit_items(items)
        self._phase("fit (fsrs-rs-python)", clock)

    def anki_side(self) -> float:
        """Collection file -> fitted parameters, Anki (wall seconds)."""
        clock = Clock()
        response = self.anki._backend.compute_fsrs_params(
            search="", current_params=list(fsrs6.DEFAULT_PARAMETERS), ignore_revlogs_before_ms=0,
            num_of_relearning_steps=1, health_check=False,
        )  # fmt: skip
        wall, cpu = clock.split()
        self.cpu.add(self._cpu_a, cpu)
        self.results["anki"] = list(response.params)
        self.results["anki_items"] = response.fsrs_items
        return wall

    def _phase(self, name: str, clock: Clock) -> None:
        self.phases.setdefault(name, []).append(clock.split()[0])

    def close(self) -> None:
        """Close both collections."""
        self.ours.close()
        self.anki.close()


def fit_alone(
    log_cards: dict[int, list[LoggedReview]], pairs: int, results: dict[str, Any]
) -> Pairs:
    """fsrs-rs-python vs Anki's ``compute_fsrs_params_from_items`` on identical items.

    Items go in the order ``optimize`` gives them (card by card), so Anki's
    parameters from these items can be compared with TokenDeck's.
    """
    from anki._backend import RustBackend

    flat = [r for reviews in log_cards.values() for r in reviews]
    scored = samples(card_histories(flat, CALENDAR))
    scored.sort(key=lambda s: (s.card_id, s.target.reviewed_at))
    ours = fsrs6.fsrs_items([s.steps for s in scored])
    theirs = anki_items(scored)
    backend = RustBackend()
    result = Pairs()
    for _ in range(pairs):
        clock = Clock()
        results["ours_alone"] = fsrs6.fit_items(ours)
        a = clock.split()[0]
        response = backend.compute_fsrs_params_from_items(theirs)
        result.add(a, clock.split()[0])
        results["anki_alone"] = list(response.params)
    return result


def anki_items(batch: list[Sample]) -> list[Any]:
    """Anki's protobuf items for the same samples."""
    from anki import scheduler_pb2

    return [
        scheduler_pb2.FsrsItem(
            reviews=[
                scheduler_pb2.FsrsReview(rating=s.rating, delta_t=s.delta_days) for s in x.steps
            ]
        )
        for x in batch
    ]


# -- report ------------------------------------------------------------------------------------
def report(sides: Sides, wall: Pairs, manifest: dict[str, Any], extra: list[Row]) -> str:
    """The comparison table, the phases of TokenDeck's path and the parameters."""
    import statistics

    cpu = sides.cpu
    rows = [
        Row("optimize: collection -> parameters", statistics.median(wall.a),
            statistics.median(wall.b), "s", wall.median_ratio(), 1.0, "wall"),
        Row("  same, CPU time", statistics.median(cpu.a), statistics.median(cpu.b), "s",
            cpu.median_ratio(), None, "all threads"),
        *extra,
    ]  # fmt: skip
    ours, anki = sides.results["ours"], sides.results["anki"]
    lines = [
        f"TokenDeck vs Anki, FSRS-6 fit, {manifest['cards']:,} cards / "
        f"{manifest['reviews']:,} reviews ({len(wall.a)} alternating pairs; "
        "ratio = median of per-pair ratios)",
        table(rows, "TokenDeck", "Anki"),
        "",
        f"training items: TokenDeck {sides.results['ours_items']:,}, "
        f"Anki {sides.results['anki_items']:,}",
        "TokenDeck phases (median s): "
        + ", ".join(f"{k} {statistics.median(v):.2f}" for k, v in sides.phases.items()),
        "per-pair wall ratios: " + ", ".join(f"{r:.3f}" for r in wall.ratios()),
        "TokenDeck optimize:  " + str([round(w, 3) for w in ours]),
        "Anki whole path:     " + str([round(w, 3) for w in anki]),
        "true (FSRS-6 default, which generated the log): "
        + str([round(w, 3) for w in fsrs6.DEFAULT_PARAMETERS]),
    ]
    if _same(anki, fsrs6.DEFAULT_PARAMETERS):
        lines.append(
            "Anki kept its current parameters (the defaults): its own fit did not lower log loss "
            "on these items, which a log generated from the defaults allows"
        )
    if "anki_alone" in sides.results:
        same = _same(ours, sides.results["anki_alone"]) and _same(ours, sides.results["ours_alone"])
        lines.append(
            "fit alone, same items in the same order: Anki's parameters "
            + ("equal TokenDeck's optimize result" if same else "DIFFER from TokenDeck's")
        )
    return "\n".join(lines)


def _same(a: Any, b: Any) -> bool:
    return max(abs(x - y) for x, y in zip(a, b, strict=True)) < 1e-3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pairs", type=int, default=3, help="alternating A/B pairs")
    parser.add_argument("--fit-alone", type=int, default=0, metavar="PAIRS",
                        help="also time the fit alone on identical items")  # fmt: skip
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    args = parser.parse_args(argv)
    try:
        import anki  # noqa: F401
    except ImportError:
        print("the anki package is not installed: pip install 'tokendeck[dev]' to compare")
        return 1
    folder, manifest = prepared(args.out, args.cards, args.seed)
    sides = Sides(folder)
    try:
        wall = Pairs()
        for _ in range(args.pairs):  # A B A B: load changes hit both sides of a pair alike
            wall.add(sides.tokendeck(), sides.anki_side())
        sides.tokendeck_phases()
        extra = []
        if args.fit_alone:
            from tokendeck.memory.revlogs import from_rows

            grouped = by_card(from_rows(sides.ours.review_rows()).reviews)
            fit = fit_alone(grouped, args.fit_alone, sides.results)
            extra.append(Row("fit alone, identical items", min(fit.a), min(fit.b), "s",
                             fit.median_ratio(), None, "info"))  # fmt: skip
        text = report(sides, wall, manifest, extra)
    finally:
        sides.close()
    print(text)
    out = args.out / f"optimize-{args.cards}.json"
    saved = {"manifest": manifest, "wall": wall.__dict__, "cpu": sides.cpu.__dict__}
    out.write_text(json.dumps({**saved, "phases": sides.phases}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
