"""Automatic daily backup: the JSON backup it used to write against the SQLite snapshot.

Each measurement runs in a fresh process on a private copy of the collection
(the cached benchmark file is never modified) and reports the backup's wall
time, the process's peak RSS (Python and imports included) and the file size.

    .venv/bin/python benchmarks/bench_backup.py --db benchmarks/out/v1-100000c-.../tokendeck.db
    .venv/bin/python benchmarks/bench_backup.py --cards 10000 --reviews 100000
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
KINDS = ("json", "snapshot", "snapshot-stored")


def worker(kind: str, db: str, target: str) -> dict[str, Any]:
    """One backup of ``db`` into ``target`` in this process; wall s, peak MiB, size."""
    import resource
    import time

    from tokendeck.backup import snapshot as snapshots
    from tokendeck.collection import Collection
    from tokendeck.formats import backup

    with Collection.open(db, now=NOW, install_builtin=False) as col:
        start = time.perf_counter()
        if kind == "json":
            backup.write_file(col.export_package(full=True), Path(target), now=NOW)
        else:
            # snapshot-stored: the alternative measured, the database not compressed
            compress = kind != "snapshot-stored"
            snapshots.write_archive(col, Path(target), now=NOW, compress=compress)
        wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"kind": kind, "wall_s": round(wall, 2), "peak_mib": round(peak), "size_mb": _mb(target)}


def _mb(path: str) -> float:
    return round(Path(path).stat().st_size / 1e6, 1)


def measure(db: Path, kinds: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each kind in its own process over its own copy of ``db``."""
    rows = []
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="bench-backup-") as folder:
            copy = Path(folder) / "tokendeck.db"
            shutil.copyfile(db, copy)  # the WAL of the cached file is empty (checked by caller)
            target = Path(folder) / "tokendeck-backup-2026-11-27.zip"
            call = f"bench_backup.worker({kind!r}, {str(copy)!r}, {str(target)!r})"
            code = f"import bench_backup, json; print(json.dumps({call}))"
            out = subprocess.run(
                [sys.executable, "-c", code],
                cwd=Path(__file__).parent,
                capture_output=True,
                text=True,
                check=True,
            )
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(rows[-1], flush=True)
    return rows


def build(cards: int, reviews: int, folder: Path) -> Path:
    """A synthetic collection of this size (see builders.py)."""
    sys.path.insert(0, str(Path(__file__).parent))
    from builders import build_tokendeck
    from synthetic import Shape

    path = folder / "tokendeck.db"
    if not path.exists():
        build_tokendeck(path, Shape(cards, reviews), NOW)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing collection (copied first)")
    parser.add_argument("--cards", type=int, default=10000)
    parser.add_argument("--reviews", type=int, default=100000)
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args(argv)
    if args.db is None:
        folder = Path(tempfile.gettempdir()) / f"bench-backup-{args.cards}c-{args.reviews}r"
        folder.mkdir(exist_ok=True)
        args.db = build(args.cards, args.reviews, folder)
    wal = args.db.with_name(args.db.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        sys.exit(f"{wal} is not empty: checkpoint the collection before copying it")
    measure(args.db, tuple(args.kinds.split(",")))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
