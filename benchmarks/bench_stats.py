"""Statistics: TokenDeck's statistics page data against Anki's graphs, same collection.

    python benchmarks/bench_stats.py            # 100,000 cards, 1,000,000 reviews
    python benchmarks/bench_stats.py --small    # 5,000 cards, 50,000 reviews (quick check)

Uses the core benchmark's cached collections (the same cards, states and review
log built once for TokenDeck and once for Anki) and measures, alternating
TokenDeck and Anki (A B A B), each in a fresh process:

* the call: ``Collection.stats(now)`` (every chart of the statistics page, what
  ``/api/v1/stats`` and ``tokendeck stats --json`` return) against Anki's
  ``graphs`` backend call, the one its statistics screen makes (365 days); the
  whole collection on both sides, and the one deck ("Bench") on both sides;
* open + call: the same, including opening the collection;
* the command line: ``tokendeck stats --json`` from spawn to exit against a
  Python process that opens the Anki collection, calls ``graphs`` and closes;
* peak memory: each fresh process's RSS high-water mark (open + call).

Each figure in the ratio column is the median of the per-pair ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import OUT, REPO, Pairs, Row, logger, median, mib, run_measured, table

#: Targets (issue 17): no slower than Anki, half its memory.
TARGETS = {"time": 1.0, "memory": 0.5}
ROW_NAMES = (
    "statistics: call, collection",
    "statistics: call, one deck",
    "statistics: open + call",
    "statistics: CLI stats --json",
    "peak memory (open + call)",
)

ANKI_CLI = """
import sys
from anki.collection import Collection
col = Collection(sys.argv[1])
col._backend.graphs(search="", days=365)
col.close()
"""


# -- one measurement per process --------------------------------------------------------------
def op_tokendeck(db: str, deck: str) -> dict[str, Any]:
    """Open the collection and compute every statistic."""
    start = time.perf_counter()
    from tokendeck.collection import Collection

    col = Collection.open(db, install_builtin=False)
    opened = time.perf_counter()
    now = datetime.now(UTC)
    data = col.stats(now, deck or None)
    done = time.perf_counter()
    col.close()
    return {
        "open": opened - start,
        "call": done - opened,
        "reviews": data["total_reviews"],
        "cards": data["total_cards"],
    }


def op_anki(db: str, deck: str) -> dict[str, Any]:
    """Open the Anki collection and ask for its statistics screen's data (365 days)."""
    start = time.perf_counter()
    from anki.collection import Collection

    col = Collection(db)
    opened = time.perf_counter()
    response = col._backend.graphs(search=f'deck:"{deck}"' if deck else "", days=365)
    done = time.perf_counter()
    del response
    cards = col.card_count()
    col.close()
    return {"open": opened - start, "call": done - opened, "cards": cards}


OPS: dict[str, Callable[..., dict[str, Any]]] = {"tokendeck": op_tokendeck, "anki": op_anki}


def _run_op(op: str, db: Path, deck: str) -> dict[str, Any]:
    here = Path(__file__).resolve()
    run = run_measured([sys.executable, str(here), "--op", op, str(db), deck])
    if run.returncode != 0:
        raise RuntimeError(f"{op} failed ({run.returncode}): {run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_rss"] = run.peak_rss
    return result


# -- measuring --------------------------------------------------------------------------------
def measure(td_db: Path, anki_db: Path, pairs: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Alternating pairs of fresh processes: whole collection, one deck, the command line."""
    found: dict[str, Any] = {"call": Pairs(), "deck": Pairs(), "open": Pairs(), "memory": Pairs()}
    found["cli"] = Pairs()
    tokendeck = Path(sys.executable).with_name("tokendeck")
    cli = (
        [str(tokendeck), "--db", str(td_db), "stats", "--json"],
        [sys.executable, "-c", ANKI_CLI, str(anki_db)],
    )
    for command in cli:  # once untimed: pending migrations, OS file cache
        run_measured(command, memory=False)
    for i in range(pairs):
        a, b = _run_op("tokendeck", td_db, ""), _run_op("anki", anki_db, "")
        found["call"].add(a["call"], b["call"])
        found["open"].add(a["open"] + a["call"], b["open"] + b["call"])
        found["memory"].add(a["peak_rss"], b["peak_rss"])
        c, d = _run_op("tokendeck", td_db, "Bench"), _run_op("anki", anki_db, "Bench")
        found["deck"].add(c["call"], d["call"])
        e, f = (run_measured(command, memory=False) for command in cli)
        for run in (e, f):
            if run.returncode != 0:
                raise RuntimeError(f"stats command failed: {run.stderr[-2000:]}")
        found["cli"].add(e.seconds, f.seconds)
        log(
            f"  pair {i + 1}: call {a['call']:.3f}/{b['call']:.3f} s, deck {c['call']:.3f}/"
            f"{d['call']:.3f} s, cli {e.seconds:.2f}/{f.seconds:.2f} s, load {_load()}"
        )
        if a["cards"] != b["cards"]:
            raise RuntimeError(f"TokenDeck counted {a['cards']} cards, Anki {b['cards']}")
    return found


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _rows(found: dict[str, Any]) -> list[Row]:
    rows = []
    for name, key in zip(ROW_NAMES[:4], ("call", "deck", "open", "cli"), strict=True):
        pairs: Pairs = found[key]
        rows.append(
            Row(name, median(pairs.a), median(pairs.b), "s", pairs.median_ratio(), TARGETS["time"])
        )
    memory: Pairs = found["memory"]
    a, b = mib(median(memory.a)), mib(median(memory.b))
    rows.append(Row(ROW_NAMES[4], a, b, "MiB", memory.median_ratio(), TARGETS["memory"]))
    return rows


def run(args: argparse.Namespace) -> list[Row]:
    """Build or reuse the collections, measure, save the raw figures, return the rows."""
    from bench_core import prepared_collections
    from synthetic import Shape

    log = logger(args.quiet)
    manifest = prepared_collections(
        Shape(args.cards, args.reviews), args.out, datetime.now(UTC), log
    )
    scratch = args.out / "scratch-stats"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    source = Path(manifest["folder"])
    td_db, anki_db = scratch / "tokendeck.db", scratch / "anki.anki2"
    shutil.copyfile(source / "tokendeck.db", td_db)
    shutil.copyfile(source / "anki.anki2", anki_db)
    log(f"load average before: {_load()}")
    try:
        found = measure(td_db, anki_db, args.pairs, log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    log(f"load average after: {_load()}")
    rows = _rows(found)
    raw = {k: [v.a, v.b] for k, v in found.items()}
    report = {"cards": args.cards, "reviews": args.reviews, "pairs": raw}
    report["rows"] = [r.__dict__ for r in rows]
    (args.out / f"bench-stats-{args.cards}.json").write_text(json.dumps(report, indent=2))
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` picks the quick sizes."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 cards / 50,000 reviews")
    parser.add_argument("--cards", type=int, help="cards (= notes) in the collection")
    parser.add_argument("--reviews", type=int, help="review-log rows in the collection")
    parser.add_argument("--pairs", type=int, default=7, help="A/B pairs")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    parser.add_argument("--op", choices=sorted(OPS), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.cards = args.cards or (5_000 if args.small else 100_000)
    args.reviews = args.reviews or args.cards * 10
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (or one measurement with ``--op``)."""
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.op:
        print(json.dumps(OPS[args.op](*args.paths)))
        return 0
    rows = run(args)
    print(
        f"TokenDeck vs Anki, statistics at {args.cards:,} cards / {args.reviews:,} reviews"
        " (ratio = median of per-pair TokenDeck/Anki ratios)"
    )
    print(table(rows, "TokenDeck", "Anki"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
