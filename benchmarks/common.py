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
import threading
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
# Peak memory is read as VmHWM (the RSS high-water mark of the running program
# image) and not as the ru_maxrss that wait4/getrusage report for a child: on
# Linux a child's ru_maxrss starts from the *parent's* high-water mark (exec
# records the old, vfork-shared address space), so every child of a benchmark
# driver that once held 300 MiB would report at least 300 MiB.
@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: wall time from spawn to exit, output, peak RSS."""

    seconds: float
    stdout: str
    stderr: str
    returncode: int
    #: The child's own RSS high-water mark in bytes (0 when not measured).
    peak_rss: int = 0


_TIME = Path("/usr/bin/time")
_MARK = "peak-rss-kib="


def run_measured(
    command: Sequence[str], *, env: dict[str, str] | None = None, memory: bool = True
) -> ProcessRun:
    """Run a command to completion: wall time from spawn to exit, output and peak RSS.

    With ``memory`` the command runs under GNU time(1), which forks it from its
    own small process, so the peak is the command's own (time's fork and exec
    add about a millisecond to ``seconds``; pass ``memory=False`` for pure
    timing). Without /usr/bin/time the peak falls back to wait4's ru_maxrss,
    an upper bound (see the note above).
    """
    wrapped = memory and _TIME.exists()
    argv = [str(_TIME), "-f", _MARK + "%M", *command] if wrapped else list(command)
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env
    )
    out, err = _drain(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    peak = int(usage.ru_maxrss) * (1 if sys.platform == "darwin" else 1024) if memory else 0
    if wrapped:
        lines = err.splitlines()
        if lines and lines[-1].startswith(_MARK):
            peak = int(lines.pop()[len(_MARK) :]) * 1024
            if lines and lines[-1].startswith("Command "):  # time(1)'s exit-status line
                lines.pop()
            err = "\n".join(lines)
    return ProcessRun(seconds, out, err, code, peak)


def _drain(proc: subprocess.Popen[bytes]) -> tuple[str, str]:
    # communicate() would reap the child and lose its rusage; a thread drains
    # stderr so that neither pipe can fill up and block the child.
    stdout, stderr = proc.stdout, proc.stderr
    assert stdout is not None and stderr is not None
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(stderr.read()))
    reader.start()
    out = stdout.read()
    reader.join()
    return out.decode(errors="replace"), errors[0].decode(errors="replace")


def own_peak_rss() -> int:
    """This process's RSS high-water mark in bytes (VmHWM on Linux, else ru_maxrss)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, KiB on Linux
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * scale


def peak_rss_of(command: Sequence[str], *, env: dict[str, str] | None = None) -> int | None:
    """Peak RSS in bytes of one run of ``command``; None without GNU time (no exact figure)."""
    if not _TIME.exists():
        return None
    return run_measured(command, env=env).peak_rss


class Worker:
    """A long-lived child process answering one JSON request per line.

    The child measures its own operations (so pipe latency is not counted) and
    reports its own RSS high-water mark.
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

    def peak_rss(self) -> int:
        """The child's RSS high-water mark so far, in bytes (asked of the child itself)."""
        return int(self.call("peak_rss")["bytes"])

    def finish(self) -> None:
        """Close the child's input and wait for it to exit cleanly."""
        assert self._proc.stdin is not None
        self._proc.stdin.close()
        if self._proc.wait() != 0:
            raise RuntimeError(f"{self.name} worker exited with {self._proc.returncode}")


def serve(handlers: dict[str, Callable[..., dict[str, Any]]]) -> None:
    """The child side of :class:`Worker`: answer JSON requests from stdin until it closes.

    Besides ``handlers``, every worker answers ``peak_rss`` with its own high-water mark.
    """
    handlers = {"peak_rss": lambda: {"bytes": own_peak_rss()}, **handlers}
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
            "n/a" if r.ratio != r.ratio else f"{_number(r.ratio)}x",
            "" if r.target is None else f"<= {r.target:g}x",
            r.verdict,
            r.note,
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "  ".join(
            cell.ljust(w) if i in (0, len(header) - 1) else cell.rjust(w)
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


def logger(quiet: bool) -> Callable[[str], None]:
    """A progress printer for a benchmark's stderr, silent with ``--quiet``."""

    def log(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return log
