"""Server benchmark: many learners studying at once against ``tokendeck server`` on PostgreSQL.

    python benchmarks/bench_server.py                       # 200 learners, 1, 2 and 4 workers
    python benchmarks/bench_server.py --quick               # 20 learners, 1 worker, 5 s
    python benchmarks/bench_server.py --learners 200 --rate 300 --seconds 30 --workers 1 2 4

What it does, all on this machine:

1. starts a PostgreSQL cluster of its own (Debian's ``initdb`` in a temporary
   folder, ``fsync`` and ``synchronous_commit`` on: every answer is durable);
2. runs ``tokendeck server init``'s facade with the database owner's URL, makes a
   teacher whose deck of ``--notes`` notes is published to a class, and
   ``--learners`` learners who join it (their first visit copies the deck into
   their collection; new cards per day raised so nobody runs dry);
3. for each ``--workers`` count, starts ``tokendeck server --workers N`` (the
   real command, as the app's role) and drives it with its own asyncio client
   (raw HTTP/1.1 keep-alive, one connection per learner, bearer tokens): each
   learner answers a card (``POST /api/v1/study/answer``, which returns the next
   card) and thinks for an exponentially distributed time so that all of them
   together offer ``--rate`` answers per second (open loop: a slow server does
   not slow the arrivals down); latency is the answer-then-next round trip;
4. measures logging in: ``POST /api/v1/auth/token`` with Argon2id at its
   recommended cost, one at a time and 4 at once;
5. runs the same load against the single-user app (``tokendeck serve``'s app
   over one SQLite collection) for comparison.

Targets (issue 15): >= 300 answers/s sustained, p99 < 100 ms for answer-then-next;
log in p99 < 300 ms. The load generator shares the 2 cores with the server and
PostgreSQL, and other jobs on the machine move the figures: run it on a quiet
machine and compare rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import OUT, REPO

sys.path.insert(0, str(REPO))

PASSWORD = "a benchmark password"
RATINGS = (3, 3, 3, 4, 2, 1)  # mostly Good, as learners answer
APP, OWNER, ADMIN = "tokendeck_app", "tokendeck_owner", "tokendeck_admin"
TOKENDECK = str(Path(sys.executable).parent / "tokendeck")


# -- a PostgreSQL cluster of our own -----------------------------------------------------------
@dataclass
class Cluster:
    """A durable PostgreSQL cluster in a temporary folder (stopped and removed at the end)."""

    root: Path
    port: int
    runner: str | None
    bindir: Path = Path(".")

    @classmethod
    def start(cls) -> Cluster:
        from tests.postgres_server import _unprivileged_user, binaries

        root = Path(tempfile.mkdtemp(prefix="tokendeck-bench-pg-"))
        runner = _unprivileged_user()
        if runner is not None:
            import pwd

            record = pwd.getpwnam(runner)
            os.chown(root, record.pw_uid, record.pw_gid)
        bindir = binaries()
        cluster = cls(root, free_port(), runner, bindir)
        cluster._run(bindir / "initdb", "-D", str(root / "data"), "-U", ADMIN, "--auth=trust")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={cluster.port} "
            f"-c unix_socket_directories={root} -c max_connections=200"
        )
        cluster._run(
            bindir / "pg_ctl", "-D", str(root / "data"), "-l", str(root / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip
        return cluster

    def _run(self, program: Path, *args: str) -> None:
        command = [str(program), *args]
        if self.runner is not None:
            command = ["runuser", "-u", self.runner, "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def url(self, database: str, user: str) -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, statement: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database, ADMIN), autocommit=True) as conn:
            conn.execute(statement.encode())

    def create(self, name: str) -> tuple[str, str]:
        """A new database owned by the owner role: (owner URL, app URL)."""
        self.admin(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{OWNER}')"
            f" THEN CREATE ROLE {OWNER} LOGIN CREATEROLE; END IF; END $$"
        )
        self.admin(f"CREATE DATABASE {name} OWNER {OWNER}")
        self.admin(f"ALTER SCHEMA public OWNER TO {OWNER}", database=name)
        return self.url(name, OWNER), self.url(name, APP)

    @property
    def pid(self) -> int:
        """The postmaster's process id (its backends are its children)."""
        return int((self.root / "data" / "postmaster.pid").read_text().split()[0])

    def stop(self) -> None:
        if (self.root / "data" / "postmaster.pid").exists():
            self._run(self.bindir / "pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


# -- setting up the class ----------------------------------------------------------------------
def populate(owner_url: str, learners: int, notes: int, login_accounts: int) -> list[str]:
    """Init the server, a class with a published deck, learners who joined; their tokens."""
    from argon2 import PasswordHasher

    from tokendeck.domain.accounts import Registration, Role
    from tokendeck.server import Server
    from tokendeck.server.passwords import Passwords

    now = datetime.now(UTC)
    # The learners' own passwords are not what is measured: the cheapest Argon2id
    # keeps set-up short. The log-in benchmark's accounts get the recommended cost.
    cheap = Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    with Server.open(owner_url, passwords=cheap) as server:
        server.initialise("root1", PASSWORD, now=now, registration=Registration.OPEN)
        teacher = server.accounts.create_account("tess", PASSWORD, Role.TEACHER, now=now)
        tcol = server.collection(teacher)
        with tcol.batch():
            for i in range(notes):
                tcol.add_note("Bench", f"question {i}", f"answer {i}", now=now)
        school = server.classes.create(teacher, "Bench class", now=now)
        server.sharing.publish_deck(teacher, tcol, school.id, "Bench", now=now)
        tokens = []
        for n in range(learners):
            account = server.accounts.create_account(
                f"learner{n:04d}", PASSWORD, Role.LEARNER, now=now
            )
            server.classes.join(account, school.join_code, now=now)
            col = server.collection(account)
            server.sharing.sync(account, col, now=now)
            deck = col.deck("Bench")
            col.update_deck(deck.id, now=now, new_per_day=notes, reviews_per_day=9999)
            tokens.append(server.accounts.create_token(account, "bench", now=now)[1])
            if n % 50 == 49:
                log(f"  {n + 1} learners ready")
    real = Passwords()
    with Server.open(owner_url, passwords=real) as server:
        for n in range(login_accounts):
            server.accounts.create_account(f"login{n:02d}", PASSWORD, Role.LEARNER, now=now)
    return tokens


# -- the load ----------------------------------------------------------------------------------
@dataclass
class Load:
    """What one run of the load measured."""

    answers: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    #: Idle keep-alive connections the server had closed (opened again, not errors).
    reconnects: int = 0
    #: What the first few errors were (status line and body, or the exception).
    error_kinds: list[str] = field(default_factory=list)
    #: CPU seconds the server's processes and PostgreSQL's used during the run.
    server_cpu: float = 0.0
    database_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.answers / self.seconds if self.seconds else 0.0


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: str, body: bytes
) -> tuple[bytes, bytes]:
    writer.write(head.encode() + body)
    status = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return status, await reader.readexactly(length)


def _head(method: str, path: str, token: str | None, length: int) -> str:
    auth = f"Authorization: Bearer {token}\r\n" if token else ""
    kind = "Content-Type: application/json\r\n" if length else ""
    # Origin: the single-user app takes changes only from its own pages (a browser sends it).
    return (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://127.0.0.1\r\n"
        f"{auth}{kind}"
        f"Content-Length: {length}\r\n\r\n"
    )


async def _learner(
    port: int, token: str | None, seed: int, stop: float, mean_think: float, load: Load
) -> None:
    """One learner on one keep-alive connection, answering with think time between."""
    rng = random.Random(seed)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    _, payload = await _request(reader, writer, _head("GET", "/api/v1/study/next", token, 0), b"")
    card = (json.loads(payload).get("card") or {}).get("id")
    await asyncio.sleep(rng.uniform(0, mean_think))  # spread the start
    answered = 0
    while card is not None and time.monotonic() < stop:
        rating = RATINGS[(answered + seed) % len(RATINGS)]
        body = json.dumps({"card_id": card, "rating": rating, "duration_ms": 4000}).encode()
        head = _head("POST", "/api/v1/study/answer", token, len(body))
        started = time.perf_counter()
        try:
            status, payload = await _request(reader, writer, head, body)
        except (OSError, asyncio.IncompleteReadError):
            status, payload = b"", b""
        if not status:  # the server closed the idle keep-alive connection (its timeout)
            writer.close()  # a browser opens another and sends the request again
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            load.reconnects += 1
            started = time.perf_counter()
            status, payload = await _request(reader, writer, head, body)
        elapsed = time.perf_counter() - started
        if b" 200 " not in status:
            load.errors += 1
            if len(load.error_kinds) < 5:
                load.error_kinds.append(f"{status.decode().strip()} {payload[:300].decode()}")
            break
        load.latencies.append(elapsed)
        load.answers += 1
        answered += 1
        nxt = json.loads(payload)["next"]["card"]
        card = nxt["id"] if nxt else None
        await asyncio.sleep(max(0.0, rng.expovariate(1 / mean_think) - elapsed))
    writer.close()


def tree_cpu(root: int) -> float:
    """User + system CPU seconds of a process and all its living descendants (Linux /proc)."""
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / tick
    total, stack = 0.0, [root]
    while stack:
        pid = stack.pop()
        total += used.get(pid, 0.0)
        stack.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_load(
    port: int,
    tokens: list[str | None],
    rate: float,
    seconds: float,
    server_pid: int | None = None,
    database_pid: int | None = None,
) -> Load:
    """All learners at once for ``seconds``, offering ``rate`` answers per second together."""
    load = Load()
    before = (
        tree_cpu(server_pid) if server_pid else 0.0,
        tree_cpu(database_pid) if database_pid else 0.0,
    )
    mean_think = len(tokens) / rate

    async def guarded(token: str | None, seed: int, stop: float) -> None:
        try:
            await _learner(port, token, seed, stop, mean_think, load)
        except (OSError, asyncio.IncompleteReadError) as exc:  # the server dropped it
            load.errors += 1
            if len(load.error_kinds) < 5:
                load.error_kinds.append(repr(exc))

    async def crowd() -> None:
        stop = time.monotonic() + seconds
        await asyncio.gather(*(guarded(t, i, stop) for i, t in enumerate(tokens)))

    start = time.perf_counter()
    asyncio.run(crowd())
    load.seconds = time.perf_counter() - start
    if server_pid:
        load.server_cpu = tree_cpu(server_pid) - before[0]
    if database_pid:
        load.database_cpu = tree_cpu(database_pid) - before[1]
    return load


def run_logins(port: int, accounts: int, count: int, parallel: int) -> list[float]:
    """``count`` log-ins (POST /auth/token), ``parallel`` at a time; their latencies."""
    latencies: list[float] = []

    async def one(n: int, reader: Any, writer: Any) -> None:
        body = json.dumps({"username": f"login{n % accounts:02d}", "password": PASSWORD}).encode()
        started = time.perf_counter()
        status, _ = await _request(
            reader, writer, _head("POST", "/api/v1/auth/token", None, len(body)), body
        )
        latencies.append(time.perf_counter() - started)
        if b" 200 " not in status:
            raise RuntimeError(f"log-in failed: {status!r}")

    async def lane(lane_no: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for n in range(lane_no, count, parallel):
            await one(n, reader, writer)
        writer.close()

    async def everyone() -> None:
        await asyncio.gather(*(lane(i) for i in range(parallel)))

    asyncio.run(everyone())
    return latencies


# -- servers -----------------------------------------------------------------------------------
def start_server(app_url: str, workers: int, pool: int) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [
            TOKENDECK,
            "server",
            "--database",
            app_url,
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        # half the pool serves requests in worker threads (tokendeck/web/lanes.py)
        env={**os.environ, "TOKENDECK_POOL_SIZE": str(pool)},
    )
    wait_up(port, process)
    return process, port


def start_single_user(folder: Path, notes: int) -> tuple[subprocess.Popen[bytes], int]:
    """``tokendeck serve``'s app over one SQLite collection with the same kind of deck."""
    from tokendeck.collection import Collection

    db = folder / "single.db"
    now = datetime.now(UTC)
    with Collection.open(db, now=now, install_builtin=False) as col, col.batch():
        for i in range(notes):
            col.add_note("Bench", f"question {i}", f"answer {i}", now=now)
        deck = col.deck("Bench")
        col.update_deck(deck.id, now=now, new_per_day=notes, reviews_per_day=9999)
    port = free_port()
    process = subprocess.Popen([TOKENDECK, "--db", str(db), "serve", "--port", str(port)])
    wait_up(port, process)
    return process, port


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    process.wait(timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_up(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                time.sleep(0.5)  # every worker up
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- the report ------------------------------------------------------------------------------
def row(name: str, load: Load, offered: float) -> dict[str, Any]:
    ms = 1000.0
    cpu = (load.server_cpu + load.database_cpu) / max(1, load.answers)
    return {
        "server_cpu_ms_per_answer": round(load.server_cpu / max(1, load.answers) * ms, 2),
        "database_cpu_ms_per_answer": round(load.database_cpu / max(1, load.answers) * ms, 2),
        # What 2 idle cores could sustain if nothing else ran: the figure a busy shared
        # machine cannot show directly (the load generator's own CPU left out).
        "idle_2_core_capacity_per_s": round(2 / cpu) if cpu else None,
        "setup": name,
        "offered_per_s": offered,
        "answers_per_s": round(load.rate, 1),
        "median_ms": round(statistics.median(load.latencies) * ms, 1) if load.latencies else None,
        "p99_ms": round(percentile(load.latencies, 99) * ms, 1),
        "answers": load.answers,
        "errors": load.errors,
        "error_kinds": load.error_kinds,
        "reconnects": load.reconnects,
    }


def print_table(rows: list[dict[str, Any]], logins: dict[str, dict[str, float]]) -> None:
    print(
        "| setup | offered /s | answers /s | median ms | p99 ms | errors"
        " | CPU ms/answer (app + db) | 2 idle cores could do /s |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['setup']} | {r['offered_per_s']:.0f} | {r['answers_per_s']:.0f} |"
            f" {r['median_ms']} | {r['p99_ms']} | {r['errors']} |"
            f" {r['server_cpu_ms_per_answer']} + {r['database_cpu_ms_per_answer']} |"
            f" {r['idle_2_core_capacity_per_s']} |"
        )
    print()
    print(
        "| log in (POST /auth/token, Argon2id t=3 m=64MiB p=4) | median ms | p99 ms"
        " | server CPU ms per log-in |"
    )
    print("|---|---|---|---|")
    for name, figures in logins.items():
        print(
            f"| {name} | {figures['median_ms']:.0f} | {figures['p99_ms']:.0f}"
            f" | {figures['cpu_ms']:.0f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--rate", type=float, default=300.0, help="answers/s offered in all")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--notes", type=int, default=200, help="notes of the class deck")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument(
        "--pool",
        type=int,
        default=None,
        help="connections per worker process (TOKENDECK_POOL_SIZE; default: 16 split"
        " over the workers, at least 8)",
    )
    parser.add_argument("--quick", action="store_true", help="20 learners, 1 worker, 5 s")
    args = parser.parse_args()
    if args.quick:
        args.learners, args.rate, args.seconds, args.workers, args.logins = 20, 40, 5, [1], 8
    cluster = Cluster.start()
    rows: list[dict[str, Any]] = []
    logins: dict[str, dict[str, float]] = {}
    try:
        owner_url, app_url = cluster.create("tokendeck_bench")
        log(f"setting up {args.learners} learners ...")
        tokens: list[str | None] = list(populate(owner_url, args.learners, args.notes, 4))
        cluster.admin(f"ALTER ROLE {APP} LOGIN")  # the migration made it; the app logs in as it
        for workers in args.workers:
            log(f"tokendeck server --workers {workers} ...")
            # 16 connections (8 request threads) for one worker, 8 each for more: a
            # bigger pool per worker only crowds the two cores with threads and backends.
            pool = args.pool or max(8, 16 // workers)
            process, port = start_server(app_url, workers, pool)
            try:
                load = run_load(port, tokens, args.rate, args.seconds, process.pid, cluster.pid)
                rows.append(
                    row(
                        f"PostgreSQL, {workers} worker(s) x pool {pool}, {args.learners} learners",
                        load,
                        args.rate,
                    )
                )
                log(json.dumps(rows[-1]))
                if workers == args.workers[0]:
                    for parallel in (1, 4):
                        before = tree_cpu(process.pid)
                        found = run_logins(port, 4, args.logins, parallel)
                        used = tree_cpu(process.pid) - before
                        logins[f"{parallel} at a time"] = {
                            "median_ms": statistics.median(found) * 1000,
                            "p99_ms": percentile(found, 99) * 1000,
                            # the server's CPU per log-in (Argon2id's lanes run in threads)
                            "cpu_ms": used / len(found) * 1000,
                        }
            finally:
                stop(process)
        with tempfile.TemporaryDirectory() as folder:
            log("single-user app over SQLite ...")
            process, port = start_single_user(Path(folder), args.notes * 10)
            try:
                load = run_load(port, [None] * args.learners, args.rate, args.seconds, process.pid)
                rows.append(
                    row(f"single-user SQLite (serve), {args.learners} clients", load, args.rate)
                )
                log(json.dumps(rows[-1]))
            finally:
                stop(process)
    finally:
        cluster.stop()
    print_table(rows, logins)
    load_now, cores = os.getloadavg()[0], os.cpu_count()
    print(f"\nmachine load average (1 min) at the end: {load_now:.1f} on {cores} cores")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "bench-server.json").write_text(json.dumps({"runs": rows, "logins": logins}, indent=2))


if __name__ == "__main__":
    main()
