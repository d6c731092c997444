"""Sync: TokenDeck's against Anki's own, on the same collections, over loopback.

    python benchmarks/bench_sync.py              # 1,140 cards / 13,552 reviews and 100,000 / 1M
    python benchmarks/bench_sync.py --small      # the small collection only
    python benchmarks/bench_sync.py --database sqlite   # the TokenDeck server on a SQLite file

The collections are bench_core's synthetic pair (the same notes, card states
and review log built once for TokenDeck and once for Anki, cached in
``benchmarks/out``). For each side, alternating TokenDeck and Anki:

* **upload**: the first sync of the collection to an empty server
  (TokenDeck: ``tokendeck server`` on PostgreSQL, a throwaway cluster this
  script starts, or on SQLite; ``col.sync()``. Anki: ``python -m anki.syncserver``;
  ``sync_collection`` then the full upload it asks for);
* **download**: the first sync of a new, empty collection (Anki: its full download);
* **push**: 100 cards answered on the first device, then its sync;
* **pull**: the second device's sync that receives them;
* **no-op**: the first device's sync again, with nothing to send or receive.

Each side runs in its own worker process (this file with ``--worker``), which
times only the sync calls. Bytes are counted by a loopback proxy in front of
each server (request and response bodies and headers, both directions), in a
separate pass so that the proxy is not in the timings.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import OUT, REPO, Row, logger, median, table

sys.path.insert(0, str(REPO))

#: The issue's targets: TokenDeck not slower than Anki on any row.
TARGET = 1.0
PASSWORD = "bench password 1"
OPS = ("upload", "download", "push", "pull", "noop")
ANSWERS = 100


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes], path: str = "/") -> None:
    import urllib.request

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped: {process.stderr and process.stderr.read()}")
        try:
            urllib.request.urlopen(url + path, timeout=2)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status: the server answers
                return
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


# -- a byte-counting loopback proxy ------------------------------------------------------------
class Proxy:
    """Forwards a loopback port to another, counting the bytes each way."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.port = free_port()
        self.up = 0
        self.down = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            threading.Thread(target=self._pipe, args=(client, upstream, "up"), daemon=True).start()
            threading.Thread(
                target=self._pipe, args=(upstream, client, "down"), daemon=True
            ).start()

    def _pipe(self, source: socket.socket, sink: socket.socket, way: str) -> None:
        try:
            while data := source.recv(1 << 16):
                sink.sendall(data)
                with self._lock:
                    if way == "up":
                        self.up += len(data)
                    else:
                        self.down += len(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def take(self) -> tuple[int, int]:
        """Bytes (up, down) since the last call."""
        with self._lock:
            counted, self.up, self.down = (self.up, self.down), 0, 0
        return counted

    def close(self) -> None:
        self._server.close()


# -- servers -----------------------------------------------------------------------------------
@contextmanager
def tokendeck_server(database: str) -> Iterator[tuple[str, int]]:
    """``tokendeck server`` over an empty database, with the user "bench"; yields (url, port)."""
    tokendeck = str(Path(sys.executable).with_name("tokendeck"))
    env = {**os.environ, "TOKENDECK_PASSWORD": PASSWORD}
    subprocess.run(
        [tokendeck, "server", "init", "--database", database, "--admin", "root1",
         "--registration", "open"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [tokendeck, "server", "--database", database, "--port", str(port), "--workers", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process, "/login")
        import urllib.request

        body = json.dumps({"username": "bench", "password": PASSWORD}).encode()
        request = urllib.request.Request(
            url + "/api/v1/auth/register", body, {"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request, timeout=30)
        yield url, port
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def anki_server(base: Path) -> Iterator[tuple[str, int]]:
    """Anki's own sync server over an empty folder, with the user "bench"."""
    port = free_port()
    env = {**os.environ, "SYNC_USER1": f"bench:{PASSWORD}", "SYNC_BASE": str(base),
           "SYNC_HOST": "127.0.0.1", "SYNC_PORT": str(port), "MAX_SYNC_PAYLOAD_MEGS": "4000",
           "RUST_LOG": "error"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "anki.syncserver"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(url, process, "/health")
        yield url + "/", port
    finally:
        process.terminate()
        process.wait(timeout=30)


# -- workers: one side's whole sequence, timing only the syncs ---------------------------------
def _via_proxy(url: str, counted: bool) -> tuple[str, Proxy | None]:
    """The URL to use: through a byte-counting proxy in this process when ``counted``."""
    if not counted:
        return url, None
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    proxy = Proxy(port)
    return url.replace(f":{port}", f":{proxy.port}"), proxy


def _record(out: dict[str, Any], op: str, seconds: float, proxy: Proxy | None) -> None:
    out[op] = {"seconds": seconds}
    if proxy is not None:
        out[op]["up"], out[op]["down"] = proxy.take()


def tokendeck_worker(a_path: str, b_path: str, url: str, counted: bool) -> dict[str, Any]:
    from tokendeck.collection import Collection

    url, proxy = _via_proxy(url, counted)
    now = datetime.now(UTC)
    a = Collection.open(a_path, now=now, install_builtin=False)
    b = Collection.open(b_path, now=now, install_builtin=False)
    out: dict[str, Any] = {}
    try:
        a.login(url, "bench", PASSWORD, now=now)
        b.login(url, "bench", PASSWORD, now=now)
        if proxy is not None:
            proxy.take()
        for op, col in (("upload", a), ("download", b)):
            start = time.perf_counter()
            col.sync(now=now)
            _record(out, op, time.perf_counter() - start, proxy)
        answered = 0
        for _ in range(ANSWERS):
            view = a.next_card(now)
            if view is None:
                break
            a.answer(view.id, "good", now=now)
            answered += 1
        out["answered"] = answered
        if proxy is not None:
            proxy.take()
        for op, col in (("push", a), ("pull", b), ("noop", a)):
            start = time.perf_counter()
            col.sync(now=now)
            _record(out, op, time.perf_counter() - start, proxy)
        out["reviews_b"] = len(list(b.reviews()))
    finally:
        a.close()
        b.close()
    return out


def anki_worker(a_path: str, b_path: str, url: str, counted: bool) -> dict[str, Any]:
    import anki.collection
    from anki.cards import Card
    from anki.scheduler_pb2 import CardAnswer
    from anki.sync_pb2 import SyncCollectionResponse

    full_upload = SyncCollectionResponse.ChangesRequired.FULL_UPLOAD
    full_download = SyncCollectionResponse.ChangesRequired.FULL_DOWNLOAD
    url, proxy = _via_proxy(url, counted)
    a = anki.collection.Collection(a_path)
    b = anki.collection.Collection(b_path)
    out: dict[str, Any] = {}
    try:
        auth = a.sync_login("bench", PASSWORD, url)
        if proxy is not None:
            proxy.take()
        for op, col in (("upload", a), ("download", b)):
            start = time.perf_counter()
            result = col.sync_collection(auth, False)
            if result.required in (full_upload, full_download):
                col.full_upload_or_download(
                    auth=auth, server_usn=result.server_media_usn, upload=op == "upload"
                )
            _record(out, op, time.perf_counter() - start, proxy)
        answered = 0
        for _ in range(ANSWERS):
            queued = a.sched.get_queued_cards(fetch_limit=1).cards
            if not queued:
                break
            card = Card(a, backend_card=queued[0].card)
            card.start_timer()
            answer = a.sched.build_answer(
                card=card, states=queued[0].states, rating=CardAnswer.GOOD
            )
            a.sched.answer_card(answer)
            answered += 1
        out["answered"] = answered
        if proxy is not None:
            proxy.take()
        for op, col in (("push", a), ("pull", b), ("noop", a)):
            start = time.perf_counter()
            col.sync_collection(auth, False)
            _record(out, op, time.perf_counter() - start, proxy)
        out["reviews_b"] = b.db.scalar("select count() from revlog")
    finally:
        a.close()
        b.close()
    return out


def run_worker(side: str, a_path: Path, b_path: Path, url: str, counted: bool) -> dict[str, Any]:
    """One side's sequence in a fresh process (``counted``: through a byte-counting proxy)."""
    command = [sys.executable, __file__, "--worker", side, str(a_path), str(b_path), url]
    if counted:
        command.append("--count-bytes")
    done = subprocess.run(command, capture_output=True, check=False, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{side} worker failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# -- one round of each side --------------------------------------------------------------------
def tokendeck_round(
    manifest: dict[str, Any], scratch: Path, database: Any, proxied: bool
) -> dict[str, Any]:
    a, b = scratch / "td-a.db", scratch / "td-b.db"
    for path in (a, b):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(Path(manifest["folder"]) / "tokendeck.db", a)
    with tokendeck_server(database()) as (url, _):
        return run_worker("tokendeck", a, b, url, proxied)


def anki_round(manifest: dict[str, Any], scratch: Path, proxied: bool) -> dict[str, Any]:
    a, b = scratch / "anki-a.anki2", scratch / "anki-b.anki2"
    for path in (a, b):
        path.unlink(missing_ok=True)
    shutil.copyfile(Path(manifest["folder"]) / "anki.anki2", a)
    base = scratch / "anki-server"
    shutil.rmtree(base, ignore_errors=True)
    with anki_server(base) as (url, _):
        return run_worker("anki", a, b, url, proxied)


def measure(shape: Any, args: argparse.Namespace, log: Any) -> list[Row]:
    from bench_core import prepared_collections

    now = datetime.now(UTC)
    manifest = prepared_collections(shape, args.out, now, log)
    scratch = args.out / "scratch-sync"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    database = _databases(args, scratch)
    runs: dict[str, list[dict[str, Any]]] = {"tokendeck": [], "anki": []}
    for round_ in range(args.rounds):
        log(f"  round {round_ + 1}/{args.rounds}: TokenDeck ...")
        runs["tokendeck"].append(tokendeck_round(manifest, scratch, database, False))
        log(f"  round {round_ + 1}/{args.rounds}: Anki ...")
        runs["anki"].append(anki_round(manifest, scratch, False))
    log("  bytes (through a counting proxy) ...")
    td_bytes = _bytes_per_op(tokendeck_round(manifest, scratch, database, True))
    anki_bytes = _bytes_per_op(anki_round(manifest, scratch, True))
    rows = []
    for op in OPS:
        td = median([r[op]["seconds"] for r in runs["tokendeck"]])
        anki = median([r[op]["seconds"] for r in runs["anki"]])
        pairs = [
            t[op]["seconds"] / a[op]["seconds"]
            for t, a in zip(runs["tokendeck"], runs["anki"], strict=True)
        ]
        note = f"bytes {td_bytes.get(op, 0):,} vs {anki_bytes.get(op, 0):,}"
        name = f"{op} ({shape.cards:,} cards)"
        rows.append(Row(name, td, anki, "s", median(pairs), TARGET, note))
    first_td, first_anki = runs["tokendeck"][0], runs["anki"][0]
    log(
        f"  answered before the push: TokenDeck {first_td['answered']}, Anki"
        f" {first_anki['answered']}; reviews on the new device: {first_td['reviews_b']:,} vs"
        f" {first_anki['reviews_b']:,}"
    )
    _save(args, shape, runs, td_bytes, anki_bytes)
    return rows


def _bytes_per_op(result: dict[str, Any]) -> dict[str, int]:
    """Bytes on the wire (both ways, headers included) of each sync of a counted run."""
    return {op: int(result[op]["up"]) + int(result[op]["down"]) for op in OPS}


def _databases(args: argparse.Namespace, scratch: Path) -> Any:
    if args.database == "sqlite":
        counter = iter(range(1_000_000))
        return lambda: f"sqlite:///{scratch / f'server-{next(counter)}.db'}"
    from tests.postgres_server import OWNER, PostgresServer

    server = PostgresServer.start()
    args.cleanup.append(server.stop)

    def fresh() -> str:
        url = server.create_database()
        return url.replace("tokendeck_app@", f"{OWNER}@")

    return fresh


def _save(args: argparse.Namespace, shape: Any, runs: Any, td: Any, anki: Any) -> None:
    path = args.out / f"sync-{shape.cards}.json"
    path.write_text(json.dumps({"runs": runs, "bytes": {"tokendeck": td, "anki": anki}}, indent=2))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="only 1,140 cards / 13,552 reviews")
    parser.add_argument("--database", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side (small)")
    parser.add_argument("--big-rounds", type=int, default=1, help="rounds per side (big)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--quiet", action="store_true")
    parser.add_argument("--worker", nargs=4, metavar=("SIDE", "A", "B", "URL"))
    parser.add_argument("--count-bytes", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        side, a, b, url = args.worker
        worker = tokendeck_worker if side == "tokendeck" else anki_worker
        print(json.dumps(worker(a, b, url, args.count_bytes)))
        return 0
    from synthetic import Shape

    os.environ.setdefault("TOKENDECK_CONFIG_DIR", tempfile.mkdtemp(prefix="bench-sync-"))
    log = logger(args.quiet)
    args.out.mkdir(parents=True, exist_ok=True)
    args.cleanup = []
    shapes = [Shape(1140, 13552)] if args.small else [Shape(1140, 13552), Shape(100_000, 1_000_000)]
    rows: list[Row] = []
    try:
        for shape in shapes:
            log(f"{shape.cards:,} cards / {shape.reviews:,} reviews")
            rounds = args.rounds if shape.cards < 10_000 else args.big_rounds
            rows += measure(shape, argparse.Namespace(**{**vars(args), "rounds": rounds}), log)
    finally:
        for stop in args.cleanup:
            stop()
    print(table(rows, "TokenDeck", "Anki"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
