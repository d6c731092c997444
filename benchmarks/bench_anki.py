"""Anki packages: TokenDeck against Anki's own backend, importing and exporting .apkg.

    python benchmarks/bench_anki.py            # 100,000 notes, 1,000,000 reviews
    python benchmarks/bench_anki.py --small    # 5,000 notes, 50,000 reviews (quick check)

Uses the cached synthetic collections of ``bench_core`` (the same notes, card
states and review log built once for TokenDeck and once for Anki), then
measures, alternating TokenDeck and Anki (A B A B) and summarising with the
median of per-pair ratios:

* import: the ``.apkg`` that Anki exported from its collection (scheduling on,
  anki21b) into a new, empty collection. TokenDeck: ``formats.anki.read`` plus
  ``Collection.import_package``; Anki: ``import_anki_package`` with scheduling.
* export: the whole collection with scheduling to an ``.apkg``. TokenDeck:
  ``Collection.export_package`` plus ``formats.anki.write``; Anki:
  ``export_anki_package`` (the default, non-legacy format).
* peak memory of each of those, as the RSS high-water mark of a fresh process
  that did just that one operation.

Every operation runs in its own process (this file with ``--op``), which times
the operation itself (not interpreter start-up) and prints JSON.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import OUT, REPO, Pairs, Row, logger, mib, run_measured, table

#: Target ratios (TokenDeck / Anki) from issue 3: a third of the time, less memory.
TARGETS = {"time": 1 / 3, "memory": 1.0}


# -- one operation per process ----------------------------------------------------------------
def op_tokendeck_import(apkg: str, db: str) -> dict[str, Any]:
    """Read the package and apply it to a new TokenDeck collection."""
    from tokendeck.collection import Collection
    from tokendeck.formats.anki import read

    now = datetime.now(UTC)
    start = time.perf_counter()
    package = read(Path(apkg), source=apkg)
    read_seconds = time.perf_counter() - start
    col = Collection.open(db, now=now, install_builtin=False)
    try:
        result = col.import_package(package, now=now, mode="duplicate")
    finally:
        col.close()
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "read_seconds": read_seconds, "notes": result.added,
            "reviews": result.reviews}  # fmt: skip


def op_anki_import(apkg: str, db: str) -> dict[str, Any]:
    """Import the package into a new Anki collection, with scheduling."""
    from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

    start = time.perf_counter()
    col = Collection(db)
    try:
        options = ImportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True)
        col.import_anki_package(ImportAnkiPackageRequest(package_path=apkg, options=options))
        notes = col.note_count()
        reviews = col.db.scalar("select count() from revlog")
    finally:
        col.close()
    return {"seconds": time.perf_counter() - start, "notes": notes, "reviews": reviews}


def op_tokendeck_export(db: str, apkg: str) -> dict[str, Any]:
    """Export the whole TokenDeck collection, with scheduling, as an .apkg."""
    from tokendeck.collection import Collection
    from tokendeck.formats.anki import write

    start = time.perf_counter()
    col = Collection.open(db, now=datetime.now(UTC), install_builtin=False)
    try:
        # As `tokendeck export` asks for .apkg: the log as a ReviewSource over the file.
        package = col.export_package(with_scheduling=True, bulk_history=True)
    finally:
        col.close()
    build_seconds = time.perf_counter() - start
    write(package, Path(apkg))
    reviews = sum(len(c.reviews) for n in package.notes for c in n.cards)
    reviews += package.history.count if package.history else 0
    return {"seconds": time.perf_counter() - start, "build_seconds": build_seconds,
            "notes": len(package.notes), "reviews": reviews}  # fmt: skip


def op_anki_export(db: str, apkg: str, legacy: bool = False) -> dict[str, Any]:
    """Export the whole Anki collection, with scheduling and media, as an .apkg."""
    from anki.collection import Collection, ExportAnkiPackageOptions

    start = time.perf_counter()
    col = Collection(db)
    try:
        options = ExportAnkiPackageOptions(
            legacy=legacy, with_scheduling=True, with_media=True, with_deck_configs=True
        )
        notes = col.export_anki_package(out_path=apkg, options=options, limit=None)
    finally:
        col.close()
    return {"seconds": time.perf_counter() - start, "notes": notes}


OPS: dict[str, Callable[..., dict[str, Any]]] = {
    "tokendeck-import": op_tokendeck_import,
    "anki-import": op_anki_import,
    "tokendeck-export": op_tokendeck_export,
    "anki-export": op_anki_export,
}


def _run_op(op: str, *paths: Path) -> dict[str, Any]:
    here = Path(__file__).resolve()
    run = run_measured([sys.executable, str(here), "--op", op, *map(str, paths)])
    if run.returncode != 0:
        raise RuntimeError(f"{op} failed ({run.returncode}): {run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    result["peak_rss"] = run.peak_rss
    return result


# -- measuring --------------------------------------------------------------------------------
def anki_made_package(manifest: dict[str, Any], log: Callable[[str], None]) -> Path:
    """The .apkg Anki exports from its collection (cached beside the collections)."""
    folder = Path(manifest["folder"])
    apkg = folder / "anki-export.apkg"
    if not apkg.exists():
        log(f"exporting {apkg} with Anki ...")
        scratch = folder / "anki-for-export.anki2"
        shutil.copyfile(folder / "anki.anki2", scratch)
        _run_op("anki-export", scratch, apkg)
        scratch.unlink()
        shutil.rmtree(folder / "anki-for-export.media", ignore_errors=True)
    return apkg


Results = dict[str, tuple[Pairs, Pairs, list[dict[str, Any]]]]


def measure(
    scratch: Path, manifest: dict[str, Any], apkg: Path, pairs: int, log: Callable[[str], None]
) -> Results:
    """Import and export, alternating TokenDeck and Anki; seconds and peak RSS per pair."""
    source = Path(manifest["folder"])
    td_db, anki_db = scratch / "tokendeck.db", scratch / "anki.anki2"
    shutil.copyfile(source / "tokendeck.db", td_db)
    shutil.copyfile(source / "anki.anki2", anki_db)
    results: Results = {}
    for name in ("import", "export"):
        seconds, memory, raw = Pairs(), Pairs(), []
        for i in range(pairs):
            a, b = _pair(name, scratch, td_db, anki_db, apkg, i)
            log(f"  {name} pair {i + 1}: TokenDeck {a['seconds']:.2f} s, Anki {b['seconds']:.2f} s")
            seconds.add(a["seconds"], b["seconds"])
            memory.add(a["peak_rss"], b["peak_rss"])
            raw.append({"tokendeck": a, "anki": b})
        results[name] = (seconds, memory, raw)
    return results


def _pair(
    name: str, scratch: Path, td_db: Path, anki_db: Path, apkg: Path, i: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    if name == "import":
        a = _run_op("tokendeck-import", apkg, _fresh(scratch / f"td-import-{i}.db"))
        b = _run_op("anki-import", apkg, _fresh(scratch / f"anki-import-{i}.anki2"))
    else:
        a = _run_op("tokendeck-export", td_db, _fresh(scratch / f"td-export-{i}.apkg"))
        b = _run_op("anki-export", anki_db, _fresh(scratch / f"anki-export-{i}.apkg"))
    _check(name, a, b)
    return a, b


def _fresh(path: Path) -> Path:
    for stale in path.parent.glob(path.name + "*"):
        stale.unlink()
    return path


def _check(name: str, a: dict[str, Any], b: dict[str, Any]) -> None:
    if a["notes"] != b["notes"]:
        raise RuntimeError(f"{name}: TokenDeck handled {a['notes']} notes, Anki {b['notes']}")


def _rows(results: Results) -> list[Row]:
    rows = []
    for name, (seconds, memory, raw) in results.items():
        detail = "read" if name == "import" else "build"
        inner = sorted(r["tokendeck"][f"{detail}_seconds"] for r in raw)
        note = f"TokenDeck {detail} step median {inner[len(inner) // 2]:.2f} s"
        rows.append(Row(f".apkg {name}", _median(seconds.a), _median(seconds.b), "s",
                        seconds.median_ratio(), TARGETS["time"], note))  # fmt: skip
        rows.append(Row(f"peak memory ({name})", mib(_median(memory.a)), mib(_median(memory.b)),
                        "MiB", memory.median_ratio(), TARGETS["memory"]))  # fmt: skip
    return rows


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else float("nan")


def run(args: argparse.Namespace) -> list[Row]:
    """Build or reuse the collections and the Anki-made package, measure, save, return rows."""
    from bench_core import prepared_collections
    from synthetic import Shape

    log = logger(args.quiet)
    shape = Shape(cards=args.notes, reviews=args.reviews)
    manifest = prepared_collections(shape, args.out, datetime.now(UTC), log)
    apkg = anki_made_package(manifest, log)
    scratch = args.out / "scratch-anki"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    try:
        results = measure(scratch, manifest, apkg, args.pairs, log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = _rows(results)
    raw = {name: r[2] for name, r in results.items()}
    target = args.out / f"bench-anki-{args.notes}.json"
    target.write_text(json.dumps({"notes": args.notes, "reviews": args.reviews, "raw": raw,
                                  "rows": [r.__dict__ for r in rows]}, indent=2))  # fmt: skip
    return rows


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Options; ``--small`` picks the quick sizes."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 notes / 50,000 reviews")
    parser.add_argument("--notes", type=int, help="notes (one card each) in the collection")
    parser.add_argument("--reviews", type=int, help="review-log rows in the collection")
    parser.add_argument("--pairs", type=int, default=3, help="A/B pairs of each operation")
    parser.add_argument("--out", type=Path, default=OUT, help="cache and results folder")
    parser.add_argument("--quiet", action="store_true", help="print only the table")
    parser.add_argument("--op", choices=sorted(OPS), help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.notes = args.notes or (5_000 if args.small else 100_000)
    args.reviews = args.reviews or args.notes * 10
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table (or run one operation with ``--op``)."""
    args = parse_args(argv)
    sys.path.insert(0, str(REPO))
    if args.op:
        print(json.dumps(OPS[args.op](*args.paths)))
        return 0
    rows = run(args)
    print(
        f"TokenDeck vs Anki {_anki_version()}, .apkg with {args.notes:,} notes /"
        f" {args.reviews:,} reviews (ratio = median of per-pair TokenDeck/Anki ratios)"
    )
    print(table(rows, "TokenDeck", "Anki"))
    return 0


def _anki_version() -> str:
    try:
        from anki.buildinfo import version
    except ImportError:
        return "(not installed)"
    return str(version)


if __name__ == "__main__":
    sys.exit(main())
