"""Shared helpers for benchmark scripts: timing, A/B alternation, peak memory, tables.

Benchmarks here compare TokenDeck with another implementation *in the same run*:
the shared disk's fsync latency and the machine's load swing several-fold within
an hour, so absolute numbers from different runs are not comparable. The helpers
therefore alternate the two sides (A B A B ...) and summarise with the median of
per-pair ratios, which cancels slow drifts that hit both sides of a pair alike.

Only the standard library is used, so that importing this module does not
change what is being measured.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Folder of this file; benchmark outputs go under ``benchmarks/out`` (gitignored).
HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


# -- timing -----------------------------------------------------------------------------------
def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Run ``fn`` once; return (seconds, its result)."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median(values: Sequence[float]) -> float:
    """Median of a non-empty sequence (NaN for an empty one, so tables still print)."""
    return statistics.median(values) if values else float("nan")


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is zero (never raises inside a report)."""
    return a / b if b else float("nan")


@dataclass
class Pairs:
    """Paired measurements of side A and side B, taken alternately."""

    a: list[float] = field(default_factory=list)
    b: list[float] = field(default_factory=list)

    def add(self, a: float, b: float) -> None:
        """Record one pair."""
        self.a.append(a)
        self.b.append(b)

    def ratios(self) -> list[float]:
        """A/B for each pair."""
        return [ratio(x, y) for x, y in zip(self.a, self.b, strict=True)]

    def median_ratio(self) -> float:
        """Median of the per-pair ratios: the figure to compare against a target."""
        return median(self.ratios())


def alternate(side_a: Callable[[], float], side_b: Callable[[], float], pairs: int) -> Pairs:
    """Run A then B, ``pairs`` times; each callable returns the figure it measured."""
    result = Pairs()
    for _ in range(pairs):
        result.add(side_a(), side_b())
    return result


# -- subprocesses and peak memory -----------------------------------------------------------
@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: wall time, output and RSS high-water mark."""

    seconds: float
    stdout: str
    stderr: str
    returncode: int
    peak_rss: int  # bytes


def _peak_bytes(rusage: Any) -> int:
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    return int(rusage.ru_maxrss) * (1 if sys.platform == "darwin" else 1024)


def run_measured(
    command: Sequence[str], *, env: dict[str, str] | None = None, input_text: str = ""
) -> ProcessRun:
    """Run a command to completion; wall time from spawn to exit, and its own peak RSS.

    ``os.wait4`` reports the resource usage of exactly this child, so the peak is
    not mixed up with other children (as ``RUSAGE_CHILDREN`` would be).
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    out, err = proc.communicate(input_text) if input_text else _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return ProcessRun(seconds, out, err, proc.returncode, _peak_bytes(usage))


def _drain(proc: subprocess.Popen[str]) -> tuple[str, str]:
    # communicate() would reap the child and lose its rusage, so read the pipes ourselves.
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    proc.stdin.close()
    out = proc.stdout.read()
    err = proc.stderr.read()
    return out, err


class Worker:
    """A long-lived child process answering one JSON request per line.

    The child measures its own operations (so pipe latency is not counted) and
    its RSS high-water mark is read when it exits.
    """

    def __init__(self, name: str, command: Sequence[str], env: dict[str, str] | None = None):
        self.name = name
        self._proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
            text=True,
            bufsize=1,
        )

    def call(self, op: str, **args: Any) -> dict[str, Any]:
        """Send one request and wait for its answer; a failed child raises RuntimeError."""
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(json.dumps({"op": op, **args}) + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.name} worker died during {op!r} (see its stderr above)")
        answer: dict[str, Any] = json.loads(line)
        if "error" in answer:
            raise RuntimeError(f"{self.name} worker failed in {op!r}: {answer['error']}")
        return answer

    def finish(self) -> int:
        """Close the child's input, wait for it, and return its peak RSS in bytes."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        _, status, usage = os.wait4(self._proc.pid, 0)
        self._proc.returncode = os.waitstatus_to_exitcode(status)
        if self._proc.returncode != 0:
            raise RuntimeError(f"{self.name} worker exited with {self._proc.returncode}")
        return _peak_bytes(usage)


def serve(handlers: dict[str, Callable[..., dict[str, Any]]]) -> None:
    """The child side of :class:`Worker`: answer JSON requests from stdin until it closes."""
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            answer = handlers[op](**request)
        except Exception as exc:  # reported to the parent, which stops the run
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


# -- reporting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    """One line of a comparison table."""

    operation: str
    a: float
    b: float
    unit: str
    ratio: float
    target: float | None = None
    note: str = ""

    @property
    def verdict(self) -> str:
        """ "ok" / "MISS" against the target ratio, or "" without a target."""
        if self.target is None:
            return ""
        return "ok" if self.ratio <= self.target else "MISS"


def _number(value: float) -> str:
    if value != value:  # NaN
        return "n/a"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def table(rows: Sequence[Row], a_name: str, b_name: str) -> str:
    """A plain-text table: operation, A, B, A/B ratio (median of pairs), target, verdict."""
    header = ("operation", a_name, b_name, "ratio", "target", "", "note")
    lines = [header] + [
        (
            r.operation,
            f"{_number(r.a)} {r.unit}",
            f"{_number(r.b)} {r.unit}",
            f"{_number(r.ratio)}x",
            "" if r.target is None else f"<= {r.target:g}x",
            r.verdict,
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(line, widths, strict=True))
        ).rstrip()
        for line in lines
    ]
    rendered.insert(1, "-" * len(rendered[0]))
    return "\n".join(rendered)


def mib(value: float) -> float:
    """Bytes to MiB."""
    return value / (1024 * 1024)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    """Consecutive slices of at most ``size`` items."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
