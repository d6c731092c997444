"""Import a 100,000-note CSV with TokenDeck and with Anki's own importer, side by side.

Each trial runs in a fresh child process (so peak memory is that trial's own)
into a fresh collection; the two importers alternate, and the order flips every
round. Reported: each side's median import time (reading the file and writing
the collection, not interpreter start-up), the median of the per-round ratios,
and each side's peak resident memory.

    .venv/bin/python benchmarks/bench_import_csv.py [--notes 100000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "attention",
    "token",
    "model",
    "layer",
    "weight",
    "gradient",
    "vector",
    "prompt",
    "context",
    "window",
    "embedding",
    "decoder",
    "encoder",
    "transformer",
    "dataset",
    "benchmark",
    "training",
    "inference",
    "sampling",
    "temperature",
]


def make_csv(path: Path, notes: int, rng: random.Random) -> None:
    """A plain two-column CSV with quoting, commas and quotes, as a spreadsheet saves it."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("Front,Back\n")
        for i in range(notes):
            front = f"{rng.choice(WORDS)} {rng.choice(WORDS)} #{i}"
            back = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30)))
            out.write(f'{front},"{back}, the ""{rng.choice(WORDS)}"" one"\n')


def run_tokendeck(csv_path: Path, work: Path) -> dict[str, float]:
    from datetime import UTC, datetime

    from tokendeck.collection import Collection
    from tokendeck.formats import registry

    now = datetime(2026, 11, 27, 15, tzinfo=UTC)
    col = Collection.open(work / "td.db", now=now, install_builtin=False)
    start = time.perf_counter()
    _, package = registry.read_file(csv_path)
    read = time.perf_counter()
    result = col.import_package(package, now=now, mode="update", deck="Bench")
    end = time.perf_counter()
    col.close()
    assert result.added == len(package.notes), result
    return {"seconds": end - start, "read": read - start, "apply": end - read}


def run_anki(csv_path: Path, work: Path) -> dict[str, float]:
    from anki.collection import Collection, ImportCsvRequest

    col = Collection(str(work / "anki.anki2"))
    start = time.perf_counter()
    metadata = col.get_csv_metadata(str(csv_path), None)
    log = col.import_csv(ImportCsvRequest(path=str(csv_path), metadata=metadata))
    elapsed = time.perf_counter() - start
    col.close()
    assert len(log.log.new) > 0
    return {"seconds": elapsed}


def child(side: str, csv_path: Path) -> None:
    """One trial in this process: print the import time as JSON."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        runner = run_tokendeck if side == "tokendeck" else run_anki
        print(json.dumps(runner(csv_path, Path(tmp))))


def trial(side: str, csv_path: Path) -> tuple[dict[str, float], float]:
    """Run one trial in a child; return its timings and its peak RSS in MiB."""
    command = [sys.executable, __file__, "--child", side, str(csv_path)]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{side} trial failed")
    timings: dict[str, float] = json.loads(output)
    return timings, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "CSV"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    with tempfile.TemporaryDirectory(prefix="bench-csv-") as tmp:
        csv_path = Path(tmp) / "notes.csv"
        make_csv(csv_path, args.notes, random.Random(20261127))
        size = csv_path.stat().st_size / 1e6
        print(f"{args.notes} notes, {size:.1f} MB CSV, {args.rounds} rounds, alternating")
        times: dict[str, list[float]] = {"tokendeck": [], "anki": []}
        parts: dict[str, list[float]] = {"read": [], "apply": []}
        peaks: dict[str, list[float]] = {"tokendeck": [], "anki": []}
        for index in range(args.rounds):
            order = ("tokendeck", "anki") if index % 2 == 0 else ("anki", "tokendeck")
            for side in order:
                timings, peak = trial(side, csv_path)
                times[side].append(timings["seconds"])
                for part in parts:
                    if part in timings:
                        parts[part].append(timings[part])
                peaks[side].append(peak)
            print(f"round {index + 1}: tokendeck {times['tokendeck'][-1]:.2f} s, "
                  f"anki {times['anki'][-1]:.2f} s")  # fmt: skip
    ratios = [t / a for t, a in zip(times["tokendeck"], times["anki"], strict=True)]
    print()
    print("| importer  | median time | peak memory |")
    print("|-----------|-------------|-------------|")
    for side in ("tokendeck", "anki"):
        print(f"| {side:<9} | {statistics.median(times[side]):8.2f} s  "
              f"| {max(peaks[side]):7.0f} MiB |")  # fmt: skip
    print(
        f"\ntokendeck split: reading the file {statistics.median(parts['read']):.2f} s, "
        f"writing the collection {statistics.median(parts['apply']):.2f} s (medians)"
    )
    print(f"median ratio tokendeck/anki: {statistics.median(ratios):.2f} (target <= 0.33)")


if __name__ == "__main__":
    main()
