"""Web benchmark: the study page's answer-then-next round trip over HTTP on loopback.

    python benchmarks/bench_web.py                 # 100,000 cards
    python benchmarks/bench_web.py --small         # 5,000 cards, a quick check
    python benchmarks/bench_web.py --learners 20 --seconds 20

Serves a copy of a synthetic collection (the core benchmark's builder, cached
under ``benchmarks/out/``) with ``tokendeck serve``'s app under uvicorn in a
child process on 127.0.0.1, then measures with keep-alive HTTP connections:

* round trip: one learner, ``POST /api/v1/study/answer`` (which answers the
  card and returns the next one with its buttons), median and p99;
* throughput: ``--learners`` concurrent simulated learners answering as fast
  as they can for ``--seconds``; answers per second in total, and latency at
  that saturation (by Little's law about learners / throughput);
* at a set rate: the same learners pacing themselves to ``--rate`` answers a
  second in total (an open loop while answers are quicker than each learner's
  pace), so latency is measured while serving that load rather than at
  saturation: the target "p99 < 50 ms at >= 300 answers/s" is this row;
* meanwhile, ``--stats-readers`` clients ask for ``/api/v1/stats`` every
  ``--stats-every`` seconds during both phases: the statistics of the whole
  collection are read off the event loop, so answering goes on (their own
  latency is reported too).

Targets (issues 4 and 17): p99 < 50 ms at >= 300 answers/s on 2 cores. Every
answer is durable (SQLite WAL, synchronous=FULL), so the shared disk's fsync
latency is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import OUT, REPO

RATINGS = (3, 3, 3, 4, 2, 1)  # mostly Good, as learners answer
REVIEWS_PER_DAY = 5000
NEW_PER_DAY = 100


def build(cards: int, reviews: int, now: datetime) -> Path:
    """A cached synthetic collection (the core benchmark's generator)."""
    from builders import build_tokendeck
    from synthetic import Shape

    shape = Shape(cards, reviews)
    folder = OUT / f"web-{shape.key}"
    done = folder / "tokendeck.db"
    if (folder / "ready").exists():
        return done
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    print(f"building {cards:,} cards / {reviews:,} reviews ...", file=sys.stderr)
    build_tokendeck(done, shape, now)
    (folder / "ready").write_text(now.isoformat())
    return done


def set_limits(db: Path, now: datetime) -> None:
    """A heavy study day: 5,000 reviews and 100 new cards, enough for the load test.

    (The queue then holds what a real heavy session holds; limits of 99,999 would
    make every queue operation walk tens of thousands of cards.)"""
    from builders import DECK

    from tokendeck.collection import Collection

    with Collection.open(db, now=now, install_builtin=False) as col:
        deck = col.deck(DECK)
        col.update_deck(deck.id, now=now, new_per_day=NEW_PER_DAY, reviews_per_day=REVIEWS_PER_DAY)


def serve_child(db: str, port: int) -> None:
    """Child process: run the web app over ``db`` on loopback."""
    import uvicorn

    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    app = create_app(WebSettings(db_path=Path(db), install_builtin=False))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Learner:
    """One simulated learner on its own keep-alive connection."""

    def __init__(self, port: int, seed: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        # Changes must name the server as their origin, as the app's own pages do.
        self.origin = f"http://127.0.0.1:{port}"
        self.seed = seed
        self.card: int | None = self._call("GET", "/api/v1/study/next")["card"]["id"]

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Origin": self.origin}
        if data:
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:200]!r}")
        return json.loads(payload)

    def answer(self, n: int) -> None:
        """Answer the shown card and take the next one (one round trip)."""
        rating = RATINGS[(n + self.seed) % len(RATINGS)]
        body = {"card_id": self.card, "rating": rating, "duration_ms": 4000}
        result = self._call("POST", "/api/v1/study/answer", body)
        nxt = result["next"]["card"]
        self.card = nxt["id"] if nxt else None


def round_trips(port: int, count: int) -> list[float]:
    learner = Learner(port, 0)
    for n in range(20):  # warm up caches and the connection
        learner.answer(n)
    times = []
    for n in range(count):
        start = time.perf_counter()
        learner.answer(n)
        times.append(time.perf_counter() - start)
    return times


_NEXT_ID = re.compile(rb'"next":\{"card":\{"id":(\d+)')


async def _learner(
    port: int, seed: int, stop: float, latencies: list[float], pace: float | None = None
) -> int:
    """One learner on one keep-alive connection; a lean asyncio client so the load
    generator (on the same 2 cores) takes as little CPU from the server as it can.

    ``pace``: seconds between this learner's answers (None: as fast as it can).
    """
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    card = Learner(port, seed).card  # first card via the plain client
    answered = 0
    due = time.monotonic() + (0.0 if pace is None else pace * seed / 20 % pace)
    while card is not None and time.monotonic() < stop:
        if pace is not None:
            await asyncio.sleep(max(0.0, due - time.monotonic()))
            due += pace
        rating = RATINGS[(answered + seed) % len(RATINGS)]
        body = json.dumps({"card_id": card, "rating": rating, "duration_ms": 4000}).encode()
        head = (
            f"POST /api/v1/study/answer HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Origin: http://127.0.0.1:{port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        started = time.perf_counter()
        writer.write(head.encode() + body)
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        payload = await reader.readexactly(length)
        latencies.append(time.perf_counter() - started)
        if b" 200 " not in status:
            raise RuntimeError(f"answer failed: {status!r} {payload[:200]!r}")
        found = _NEXT_ID.search(payload)
        card = int(found.group(1)) if found else None
        answered += 1
    writer.close()
    return answered


async def _stats_reader(port: int, stop: float, latencies: list[float], every: float) -> None:
    """Ask for every chart of the collection every ``every`` seconds until ``stop``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = b"GET /api/v1/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    due = time.monotonic()
    while time.monotonic() < stop:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        due += every
        started = time.perf_counter()
        writer.write(request)
        status = await reader.readline()
        length = 0
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        payload = await reader.readexactly(length)
        if b" 200 " not in status:
            raise RuntimeError(f"stats failed: {status!r} {payload[:200]!r}")
        latencies.append(time.perf_counter() - started)
    writer.close()


@dataclass
class Load:
    """One load phase: answers and their latencies, and the statistics reads meanwhile."""

    answers: int
    seconds: float
    latencies: list[float]
    stats: list[float]


def throughput(
    port: int,
    learners: int,
    seconds: float,
    rate: float | None = None,
    readers: int = 0,
    every: float = 2.0,
) -> Load:
    """``learners`` answering for ``seconds`` (paced to ``rate`` in total, if given)
    while ``readers`` clients read the statistics every ``every`` seconds."""
    latencies: list[float] = []
    stats: list[float] = []
    pace = None if rate is None else learners / rate

    async def crowd() -> int:
        stop = time.monotonic() + seconds
        reading = [_stats_reader(port, stop, stats, every) for _ in range(readers)]
        counts = await asyncio.gather(
            *(_learner(port, i, stop, latencies, pace) for i in range(learners)), *reading
        )
        return sum(c for c in counts if c is not None)

    start = time.perf_counter()
    total = asyncio.run(crowd())
    return Load(total, time.perf_counter() - start, latencies, stats)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", action="store_true", help="5,000 cards instead of 100,000")
    parser.add_argument("--round-trips", type=int, default=500)
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rate", type=float, default=300.0, help="answers/s of the paced phase")
    parser.add_argument("--stats-readers", type=int, default=1, help="clients reading /stats")
    parser.add_argument("--stats-every", type=float, default=2.0, help="seconds between reads")
    parser.add_argument("--serve", nargs=2, metavar=("DB", "PORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_child(args.serve[0], int(args.serve[1]))
        return
    cards, reviews = (5_000, 50_000) if args.small else (100_000, 1_000_000)
    now = datetime.now(UTC)
    source = build(cards, reviews, now)
    scratch = OUT / f"scratch-web-{cards}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    db = scratch / "tokendeck.db"
    shutil.copyfile(source, db)
    set_limits(db, now)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, __file__, "--serve", str(db), str(port)]
    server = subprocess.Popen(cmd, env=env)
    loads: dict[str, Load] = {}
    try:
        wait_up(port, server)
        trips = round_trips(port, args.round_trips)
        cpu_before = cpu_seconds(server.pid)
        readers, every = args.stats_readers, args.stats_every
        loads["flat out"] = throughput(port, args.learners, args.seconds, None, readers, every)
        cpu_per_answer = (cpu_seconds(server.pid) - cpu_before) / max(1, loads["flat out"].answers)
        loads[f"at {args.rate:.0f}/s"] = throughput(
            port, args.learners, args.seconds, args.rate, readers, every
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(cards, trips, args.learners, loads, cpu_per_answer)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(
    cards: int,
    trips: list[float],
    learners: int,
    loads: dict[str, Load],
    cpu_per_answer: float,
) -> None:
    ms = 1000.0
    rows = [
        ("cards in collection", f"{cards:,}", ""),
        ("daily limits (reviews / new)", f"{REVIEWS_PER_DAY:,} / {NEW_PER_DAY}", ""),
        ("CPU cores", str(os.cpu_count()), "2"),
        ("load average at the end", " ".join(f"{x:.1f}" for x in os.getloadavg()), ""),
        ("answer-then-next, 1 learner: median", f"{statistics.median(trips) * ms:.1f} ms", ""),
        ("answer-then-next, 1 learner: p99", f"{percentile(trips, 99) * ms:.1f} ms", "< 50 ms"),
    ]
    result: dict[str, object] = {
        "cards": cards,
        "learners": learners,
        "round_trip_median_ms": statistics.median(trips) * ms,
        "round_trip_p99_ms": percentile(trips, 99) * ms,
        "server_cpu_ms_per_answer": cpu_per_answer * ms,
    }
    for name, load in loads.items():
        rate = load.answers / load.seconds
        paced = name != "flat out"
        median, p99 = statistics.median(load.latencies) * ms, percentile(load.latencies, 99) * ms
        phase = f"{learners} learners {name}"
        rows.append((f"{phase}: answers/s", f"{rate:.0f}", ">= 300" if paced else ""))
        rows.append((f"{phase}: median", f"{median:.1f} ms", ""))
        rows.append((f"{phase}: p99", f"{p99:.1f} ms", "< 50 ms" if paced else ""))
        if load.stats:
            reads = f"  /api/v1/stats meanwhile ({len(load.stats)} reads): median"
            rows.append((reads, f"{statistics.median(load.stats) * ms:.0f} ms", ""))
        result[name] = {
            "answers_per_second": rate,
            "answers": load.answers,
            "median_ms": statistics.median(load.latencies) * ms,
            "p99_ms": percentile(load.latencies, 99) * ms,
            "stats_reads": len(load.stats),
            "stats_median_ms": statistics.median(load.stats) * ms if load.stats else None,
        }
    rows.append(("server CPU per answer (flat out)", f"{cpu_per_answer * ms:.1f} ms", ""))
    print("| measure | value | target |\n|---|---|---|")
    for name, value, target in rows:
        print(f"| {name} | {value} | {target} |")
    (OUT / f"bench-web-{cards}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
