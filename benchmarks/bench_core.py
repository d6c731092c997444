"""Core benchmark: TokenDeck against Anki's own backend on the same big collection.

    python benchmarks/bench_core.py            # 100,000 cards, 1,000,000 reviews
    python benchmarks/bench_core.py --small    # 5,000 cards, 50,000 reviews (quick check)

Builds (once per size and study day, cached under ``benchmarks/out/``) the same
synthetic collection for TokenDeck and for Anki, copies both to scratch files,
and then measures, alternating TokenDeck and Anki (A B A B) and summarising with
the median of per-pair ratios:

* cold start: process start to first card shown (``tokendeck next --json`` vs a
  Python process that opens the Anki collection and takes its first queued card);
* next-card latency in a running process (``next_card`` vs ``get_queued_cards``);
* answer latency, durable (``answer`` vs ``answer_card``: both commit a WAL
  transaction with ``synchronous=FULL``, i.e. one fsync per answer);
* substring search over all notes (ids of every match: ``find_card_ids`` vs Anki's ``find_cards``);
* peak memory: RSS high-water mark of each long-lived process that opened the
  collection, reviewed and searched.

Each side runs in its own worker process (this file with ``--worker``), which
times its own calls, so pipe overhead is not counted and peak RSS is per side.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import (
    OUT,
    REPO,
    Pairs,
    Row,
    Worker,
    logger,
    median,
    mib,
    peak_rss_of,
    ratio,
    run_measured,
    serve,
    table,
)

SEARCH_TERM = "word"

#: Target ratios (TokenDeck / Anki) from issue 2.
TARGETS = {"cold": 1.0, "next": 1.0, "answer": 1.0, "search": 0.1, "memory": 0.5}

#: Rows every report has, in order (the test checks for them).
ROW_NAMES = (
    "cold start: next --json",
    "next card",
    "answer (durable)",
    f'search "{SEARCH_TERM}"',
    "peak memory (review+search)",
)

_RATINGS = ("again", "hard", "good", "easy")
_RATING_WEIGHTS = (10, 3, 85, 2)

ANKI_COLD = """
import json, sys
from anki.collection import Collection
col = Collection(sys.argv[1])
queued = col.sched.get_queued_cards(fetch_limit=1).cards
card = queued[0].card if queued else None
note = col.get_note(card.note_id) if card else None
print(json.dumps({"card": None if card is None else {"id": card.id, "front": note.fields[0]}}))
col.close()
"""


# -- workers (child processes) ------------------------------------------------------------------
def tokendeck_worker(path: str) -> None:
    """Serve timing requests against a TokenDeck collection."""
    from tokendeck import clock
    from tokendeck.collection import Collection

    col = Collection.open(path)

    def open_queue() -> dict[str, Any]:
        now = clock.now()
        start = time.perf_counter()
        view = col.next_card(now)
        return {"seconds": time.perf_counter() - start, "card": view and view.id}

    def review(ratings: list[str]) -> dict[str, Any]:
        # A card is shown with its answer buttons, as every TokenDeck reviewer shows it
        # (terminal, web, `tokendeck review`): next_card, then preview for the buttons'
        # due times, which also plans the four answers. Anki's get_queued_cards does
        # the same in one call (it returns the four states its buttons show).
        nexts, answers, bare = [], [], []
        for rating in ratings:
            now = clock.now()
            start = time.perf_counter()
            view = col.next_card(now)
            found = time.perf_counter()
            if view is None:
                break
            col.preview(view.id, now)
            shown = time.perf_counter()
            col.answer(view.id, rating, now=now)
            nexts.append(shown - start)
            bare.append(found - start)
            answers.append(time.perf_counter() - shown)
        return {"next": nexts, "answer": answers, "bare": bare}

    def search(term: str) -> dict[str, Any]:
        # Like Anki's find_cards: the ids of every matching card.
        now = clock.now()
        start = time.perf_counter()
        found = col.find_card_ids(term, now=now)
        return {"seconds": time.perf_counter() - start, "count": len(found)}

    def views(term: str) -> dict[str, Any]:
        # More than Anki's call returns: every card with its note and rendered text.
        now = clock.now()
        start = time.perf_counter()
        found = col.find_cards(term, now=now)
        return {"seconds": time.perf_counter() - start, "count": len(found)}

    serve({"open": open_queue, "review": review, "search": search, "views": views})
    col.close()


def anki_worker(path: str) -> None:
    """Serve the same requests against an Anki collection, as Anki's reviewer does."""
    import anki.collection  # loaded first: anki.cards imports it circularly
    from anki.cards import Card
    from anki.scheduler.v3 import Scheduler
    from anki.scheduler_pb2 import CardAnswer

    col = anki.collection.Collection(path)
    sched = col.sched
    assert isinstance(sched, Scheduler), "the benchmark needs Anki's v3 scheduler"
    ratings_by_name = {
        "again": CardAnswer.AGAIN,
        "hard": CardAnswer.HARD,
        "good": CardAnswer.GOOD,
        "easy": CardAnswer.EASY,
    }

    def open_queue() -> dict[str, Any]:
        start = time.perf_counter()
        queued = sched.get_queued_cards(fetch_limit=1).cards
        card = queued[0].card.id if queued else None
        return {"seconds": time.perf_counter() - start, "card": card}

    def review(ratings: list[str]) -> dict[str, Any]:
        nexts, answers = [], []
        for rating in ratings:
            start = time.perf_counter()
            queued = sched.get_queued_cards(fetch_limit=1).cards
            if not queued:
                break
            card = Card(col, backend_card=queued[0].card)
            card.start_timer()
            shown = time.perf_counter()
            answer = sched.build_answer(
                card=card, states=queued[0].states, rating=ratings_by_name[rating]
            )
            sched.answer_card(answer)  # one backend op = one committed transaction
            nexts.append(shown - start)
            answers.append(time.perf_counter() - shown)
        return {"next": nexts, "answer": answers}

    def search(term: str) -> dict[str, Any]:
        start = time.perf_counter()
        found = col.find_cards(term)
        return {"seconds": time.perf_counter() - start, "count": len(found)}

    serve({"open": open_queue, "review": review, "search": search})
    col.close()


# -- building and caching ---------------------------------------------------------------------
def prepared_collections(shape: Any, out: Path, now: datetime, log: Callable[[str], None]) -> dict:
    """Cached TokenDeck and Anki collections of this shape for today's study day."""
    from builders import build_anki, build_tokendeck

    from tokendeck.domain.days import Calendar, zone

    day = Calendar(zone("local")).today(now).isoformat()
    folder = out / f"{shape.key}-{day}"
    manifest_path = folder / "manifest.json"
    if manifest_path.exists():
        manifest: dict[str, Any] = json.loads(manifest_path.read_text())
        return manifest
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    log(f"building {shape.cards:,} cards / {shape.reviews:,} reviews in {folder} ...")
    start = time.perf_counter()
    tokendeck = build_tokendeck(folder / "tokendeck.db", shape, now)
    log(f"  TokenDeck built in {time.perf_counter() - start:.0f} s")
    start = time.perf_counter()
    anki = build_anki(folder / "anki.anki2", shape, tokendeck["today_start_ms"], now)
    log(f"  Anki built in {time.perf_counter() - start:.0f} s")
    manifest = {
        "folder": str(folder),
        "cards": shape.cards,
        "reviews": shape.reviews,
        "built_at": now.isoformat(),
        "tokendeck": tokendeck,
        "anki": anki,
    }
    manifest_path.write_text(json.dumps(manifest, indent=2))
    return manifest


def scratch_copies(manifest: dict[str, Any], out: Path) -> tuple[Path, Path]:
    """Fresh copies to benchmark on: answering changes a collection, the cache must not."""
    source = Path(manifest["folder"])
    scratch = out / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    tokendeck, anki = scratch / "tokendeck.db", scratch / "anki.anki2"
    shutil.copyfile(source / "tokendeck.db", tokendeck)
    shutil.copyfile(source / "anki.anki2", anki)
    return tokendeck, anki


# -- measuring --------------------------------------------------------------------------------
def _tokendeck_command(db: Path) -> list[str]:
    script = Path(sys.executable).with_name("tokendeck")
    return [str(script), "--db", str(db), "next", "--json"]


def _shown_card(output: str, who: str) -> int:
    data = json.loads(output)
    card = data.get("card") if isinstance(data, dict) else None
    if not card:
        raise RuntimeError(f"{who} showed no card at cold start: {output[:200]!r}")
    return int(card["id"])


def _cold_commands(td_db: Path, anki_db: Path) -> tuple[list[str], list[str]]:
    return _tokendeck_command(td_db), [sys.executable, "-c", ANKI_COLD, str(anki_db)]


def measure_cold(td_db: Path, anki_db: Path, pairs: int) -> Pairs:
    """Process start to first card shown, alternating.

    One untimed run of each comes first: it applies any pending TokenDeck
    migration to the scratch copy and puts both files in the OS cache alike.
    """
    commands = _cold_commands(td_db, anki_db)
    for command in commands:
        run_measured(command, memory=False)
    seconds = Pairs()
    for _ in range(pairs):
        td = run_measured(commands[0], memory=False)
        anki = run_measured(commands[1], memory=False)
        for run, who in ((td, "tokendeck next --json"), (anki, "Anki")):
            if run.returncode != 0:
                raise RuntimeError(f"{who} failed ({run.returncode}): {run.stderr[-2000:]}")
            _shown_card(run.stdout, who)
        seconds.add(td.seconds, anki.seconds)
    return seconds


def measure_cold_memory(td_db: Path, anki_db: Path) -> tuple[float, float]:
    """Peak RSS of one cold run each (NaN where GNU time is not installed)."""
    peaks = [peak_rss_of(command) for command in _cold_commands(td_db, anki_db)]
    td, anki = (float("nan") if p is None else float(p) for p in peaks)
    return td, anki


def measure_review(
    td: Worker, anki: Worker, pairs: int, batch: int, rng: random.Random
) -> tuple[Pairs, Pairs, Pairs, Pairs]:
    """Next-card (with its buttons), answer, next+answer and bare next-card latency: per
    pair, the median of a batch per side.

    Both sides get the same ratings, so their queues evolve alike.
    """
    nexts, answers, both, bare = Pairs(), Pairs(), Pairs(), Pairs()
    for _ in range(pairs):
        ratings = rng.choices(_RATINGS, weights=_RATING_WEIGHTS, k=batch)
        a = td.call("review", ratings=ratings)
        b = anki.call("review", ratings=ratings)
        if not (a["next"] and b["next"]):
            raise RuntimeError("ran out of cards to review: lower --pairs or --batch")
        nexts.add(median(a["next"]), median(b["next"]))
        answers.add(median(a["answer"]), median(b["answer"]))
        both.add(_median_sum(a), _median_sum(b))
        bare.add(median(a["bare"]), median(b["next"]))
    return nexts, answers, both, bare


def _median_sum(timings: dict[str, list[float]]) -> float:
    return median([n + a for n, a in zip(timings["next"], timings["answer"], strict=True)])


def measure_search(td: Worker, anki: Worker, pairs: int) -> tuple[Pairs, Pairs, str]:
    """Substring search over all notes, alternating; also TokenDeck's count-only search.

    Both sides return the ids of every matching card (Anki's ``find_cards``,
    TokenDeck's ``find_card_ids``); an extra row shows TokenDeck's ``find_cards``,
    which also loads every card's note and renders its text.
    """
    full, counted = Pairs(), Pairs()
    found = ""
    for _ in range(pairs):
        a = td.call("search", term=SEARCH_TERM)
        b = anki.call("search", term=SEARCH_TERM)
        c = td.call("views", term=SEARCH_TERM)
        full.add(a["seconds"], b["seconds"])
        counted.add(c["seconds"], b["seconds"])
        found = f"{a['count']} vs {b['count']} cards found"
    return full, counted, found


def _worker(side: str, db: Path) -> Worker:
    here = Path(__file__).resolve()
    return Worker(side, [sys.executable, str(here), "--worker", side, "--db", str(db)])


def run(args: argparse.Namespace) -> list[Row]:
    """Build or reuse the collections, measure everything, return the table rows."""
    from synthetic import Shape

    log = logger(args.quiet)
    now = datetime.now(UTC)
    shape = Shape(args.cards, args.reviews)
    manifest = prepared_collections(shape, args.out, now, log)
    td_db, anki_db = scratch_copies(manifest, args.out)
    log(
        f"due today: TokenDeck {manifest['tokendeck']['due_today']:,},"
        f" Anki {manifest['anki']['due_today']:,}"
    )
    log(f"cold start x{args.cold_pairs} ...")
    cold = measure_cold(td_db, anki_db, args.cold_pairs)
    cold_memory = measure_cold_memory(td_db, anki_db)
    td, anki = _worker("tokendeck", td_db), _worker("anki", anki_db)
    first = (td.call("open"), anki.call("open"))
    log(
        f"first queue: TokenDeck {first[0]['seconds'] * 1000:.1f} ms,"
        f" Anki {first[1]['seconds'] * 1000:.1f} ms"
    )
    log(f"reviewing {args.pairs} x {args.batch} cards on each side ...")
    rng = random.Random(args.seed)
    nexts, answers, both, bare = measure_review(td, anki, args.pairs, args.batch, rng)
    log(f"searching x{args.search_pairs} ...")
    search, counted, found = measure_search(td, anki, args.search_pairs)
    memory = (td.peak_rss(), anki.peak_rss())
    td.finish()
    anki.finish()
    rows = _rows(cold, nexts, answers, search, memory, found)
    rows += _extra_rows(both, counted, cold_memory)
    rows.append(_timed_row("next card, no buttons", bare, None, "info: TD next_card only"))
    _save(args, manifest, rows, cold, nexts, answers, search, memory)
    return rows


def _timed_row(name: str, pairs: Pairs, target: float | None, note: str = "") -> Row:
    ms = 1000.0
    return Row(
        name, median(pairs.a) * ms, median(pairs.b) * ms, "ms", pairs.median_ratio(), target, note
    )


def _rows(
    cold: Pairs, nexts: Pairs, answers: Pairs, search: Pairs, memory: tuple[int, int], found: str
) -> list[Row]:
    return [
        _timed_row(ROW_NAMES[0], cold, TARGETS["cold"]),
        _timed_row(ROW_NAMES[1], nexts, TARGETS["next"]),
        _timed_row(ROW_NAMES[2], answers, TARGETS["answer"]),
        _timed_row(ROW_NAMES[3], search, TARGETS["search"], found),
        Row(
            ROW_NAMES[4],
            mib(memory[0]),
            mib(memory[1]),
            "MiB",
            ratio(memory[0], memory[1]),
            TARGETS["memory"],
        ),
    ]


def _extra_rows(both: Pairs, counted: Pairs, cold_memory: tuple[float, float]) -> list[Row]:
    """Rows without a target, to show where the time goes."""
    a, b = cold_memory
    return [
        _timed_row("next + answer, per card", both, None, "info"),
        _timed_row(f'search "{SEARCH_TERM}" + card text', counted, None, "info: TD find_cards"),
        Row("peak memory (cold next)", mib(a), mib(b), "MiB", ratio(a, b), None, "info"),
    ]


def _save(args: argparse.Namespace, manifest: dict[str, Any], rows: list[Row], *raw: Any) -> None:
    cold, nexts, answers, search, memory = raw
    report = {
        "shape": {"cards": args.cards, "reviews": args.reviews},
        "manifest": manifest,
        "rows": [r.__dict__ | {"verdict": r.verdict} for r in rows],
        "pairs": {
            "cold_s": [cold.a, cold.b],
            "next_s": [nexts.a, nexts.b],
            "answer_s": [answers.a, answers.b],
            "search_s": [search.a, search.b],
        },
        "peak_rss": list(memory),
    }
    path = args.out / f"results-{args.cards}.json"
    path.write_text(json.dumps(report, indent=2))


# -- command line -------------------------------------------------------------------------------
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` picks the quick sizes and fewer pairs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 cards / 50,000 reviews")
    parser.add_argument("--cards", type=int, help="cards (= notes) in the collection")
    parser.add_argument("--reviews", type=int, help="review-log rows in the collection")
    parser.add_argument("--pairs", type=int, help="A/B pairs of review batches")
    parser.add_argument("--batch", type=int, default=1, help="answers per review batch")
    parser.add_argument("--cold-pairs", type=int, help="A/B pairs of cold starts")
    parser.add_argument("--search-pairs", type=int, help="A/B pairs of searches")
    parser.add_argument("--seed", type=int, default=7, help="seed of the rating sequence")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    parser.add_argument("--worker", choices=("tokendeck", "anki"), help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    small = args.small
    args.cards = args.cards or (5_000 if small else 100_000)
    args.reviews = args.reviews or args.cards * 10
    args.pairs = args.pairs or (20 if small else 100)
    args.cold_pairs = args.cold_pairs or (3 if small else 10)
    args.search_pairs = args.search_pairs or (5 if small else 15)
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (or serve as a worker)."""
    args = parse_args(argv)
    if args.worker == "tokendeck":
        tokendeck_worker(args.db)
        return 0
    if args.worker == "anki":
        anki_worker(args.db)
        return 0
    sys.path.insert(0, str(REPO))
    rows = run(args)
    print(
        f"TokenDeck vs Anki, {args.cards:,} cards / {args.reviews:,} reviews"
        " (ratio = median of per-pair TokenDeck/Anki ratios)"
    )
    print(table(rows, "TokenDeck", "Anki"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
