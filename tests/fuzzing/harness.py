"""Feeding one file to TokenDeck the way a user would, and judging what happened.

A file is read through the registry with its target format forced (a snapshot
is restored, as ``tokendeck restore`` does); a file that reads is then
imported (a backup is sometimes restored instead) into a scratch collection,
and the collection is used afterwards (calendar, queue, one answer), because
a file can also break every later command. TokenDeck errors are the expected
answer to a broken file; any other exception is a failure, and so is a file
that takes longer than ``slow_after`` seconds.
"""

from __future__ import annotations

import shutil
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from tests.fuzzing.corpus import NOW, Target
from tokendeck.errors import TokenDeckError
from tokendeck.formats.options import ReadOptions
from tokendeck.untrusted.budget import ReadLimits

#: A fuzzed file gets ten seconds: every seed reads in well under one.
FUZZ_LIMITS = ReadLimits(seconds=10.0, max_total_bytes=256 << 20, max_member_bytes=256 << 20)
_FRESH_EVERY = 200


@dataclass
class Outcome:
    """What one file did: ``imported``, ``read``, ``refused``, ``crash`` or ``slow``."""

    kind: str
    seconds: float
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.kind in ("crash", "slow")


@dataclass
class Tally:
    """Outcomes of many files of one target."""

    target: str
    files: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0

    def add(self, outcome: Outcome, label: str) -> None:
        self.files += 1
        self.seconds += outcome.seconds
        self.slowest = max(self.slowest, outcome.seconds)
        self.kinds[outcome.kind] = self.kinds.get(outcome.kind, 0) + 1
        if outcome.failed:
            self.failures.append(f"{label}: {outcome.kind}: {outcome.detail}")

    def line(self) -> str:
        rate = self.files / self.seconds if self.seconds else 0.0
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(self.kinds.items()))
        return (
            f"{self.target:9} {self.files:6} files {self.seconds:7.1f} s {rate:7.1f} files/s  "
            f"slowest {self.slowest:5.2f} s  failures {len(self.failures)}  ({kinds})"
        )


class Checker:
    """Checks files of one target against a scratch collection in ``workdir``."""

    def __init__(self, target: Target, workdir: Path, *, slow_after: float = 10.0) -> None:
        self.target = target
        self.workdir = workdir
        self.slow_after = slow_after
        self._count = 0
        self._col: object | None = None
        workdir.mkdir(parents=True, exist_ok=True)

    def check(self, path: Path) -> Outcome:
        started = time.perf_counter()
        try:
            kind = self._run(path)
        except TokenDeckError as exc:
            kind, detail = "refused", str(exc)[:200]
        except Exception:
            kind, detail = "crash", traceback.format_exc()
        else:
            detail = ""
        seconds = time.perf_counter() - started
        if kind != "crash" and seconds > self.slow_after:
            kind, detail = "slow", f"{seconds:.1f} s"
        return Outcome(kind, seconds, detail)

    def close(self) -> None:
        if self._col is not None:
            self._col.close()  # type: ignore[attr-defined]
            self._col = None

    # -- steps -------------------------------------------------------------------------------
    def _run(self, path: Path) -> str:
        self._count += 1
        if self.target.registry is None:
            return self._restore_snapshot(path)
        from tokendeck.formats import registry

        options = ReadOptions(limits=FUZZ_LIMITS)
        _fmt, package = registry.read_file(path, format=self.target.registry, options=options)
        if self.target.name == "backup" and self._count % 2:
            return self._restore_backup(package)
        col = self._collection()
        col.import_package(package, now=NOW, mode="update")
        _use(col)
        return "imported"

    def _collection(self) -> object:
        from tokendeck.collection import Collection

        if self._col is None or self._count % _FRESH_EVERY == 0:
            self.close()
            folder = self.workdir / "scratch"
            shutil.rmtree(folder, ignore_errors=True)
            self._col = Collection.open(folder / "c.db", now=NOW, install_builtin=False)
        return self._col

    def _restore_backup(self, package: object) -> str:
        from tokendeck.collection import Collection

        folder = self._fresh_folder("restored")
        Collection.restore(folder / "c.db", package, now=NOW)  # type: ignore[arg-type]
        with Collection.open(folder / "c.db", now=NOW, install_builtin=False) as col:
            _use(col)
        return "imported"

    def _restore_snapshot(self, path: Path) -> str:
        from tokendeck.backup.snapshot import LIMITS
        from tokendeck.collection import Collection

        folder = self._fresh_folder("restored")
        from tokendeck.backup import snapshot as snapshots

        snapshots.restore_snapshot(
            folder / "c.db", path, now=NOW, limits=LIMITS.with_changes(seconds=10.0)
        )
        with Collection.open(folder / "c.db", now=NOW, install_builtin=False) as col:
            _use(col)
        return "imported"

    def _fresh_folder(self, name: str) -> Path:
        folder = self.workdir / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        return folder


def _use(col: object) -> None:
    """What every later command does: the calendar, the queue, an answer, the statistics."""
    from tokendeck.collection import Collection

    assert isinstance(col, Collection)
    col.calendar.today(NOW)
    col.queue_counts(NOW)
    view = col.next_card(NOW)
    if view is not None:
        col.answer(view.card.id, 3, now=NOW)
    col.deck_counts(NOW)
