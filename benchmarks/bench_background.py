"""Background work benchmark: the home page while a 10,000-card import is embedded.

    python benchmarks/bench_background.py              # 10,000 cards (issue 12)
    python benchmarks/bench_background.py --cards 2000 --window 60

Serves a fresh collection with ``tokendeck serve``'s app under uvicorn in a child
process (the real embedding model), then, while one client asks for the home page
every 20 ms on a keep-alive connection:

1. baseline: a few seconds of an idle server;
2. import: ``POST /api/v1/import`` of a CSV of ``--cards`` notes (it runs on a
   worker thread; the server starts embedding the new deck afterwards);
3. preparing: the deck's cards are embedded in the background (progress read from
   the "preparing" answer of the related-cards endpoint) until ready or ``--window``;
4. restart: a new server over the same file: the vectors come from the disk cache,
   so the deck is ready again in seconds, not minutes.

Prints home-page latencies (median, p95, p99, max) per phase, the embedding rate and
the server's peak memory. Target (issue 12): the home page under 100 ms throughout.
Not a test: nothing is asserted, the numbers are for the reader (and the JSON in
benchmarks/out/background.json).
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from common import OUT, REPO

HOME_EVERY = 0.02  # seconds between home-page requests
SLOW = 0.1  # home-page answers slower than this are listed with when they happened
_WORD_LIST = (
    "model token attention layer training data transformer image diffusion text embedding "
    "vector network language neural weight gradient loss sample noise decoder encoder "
    "prompt context window memory retrieval dataset label feature kernel convolution pixel "
    "audio speech translation summary question answer reasoning agent policy reward value "
    "search index graph node edge cluster distance similarity probability entropy sampling "
    "temperature beam greedy softmax activation normalization dropout residual head query "
    "key batch epoch optimizer schedule warmup scale parameter compute benchmark metric"
)
WORDS = tuple(_WORD_LIST.split())


def make_csv(count: int, seed: int = 12) -> bytes:
    """``count`` distinct term,definition notes."""
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 18)))
        lines.append(f"Term {n} {rng.choice(WORDS)},A {words} used in system {n}.")
    return ("\n".join(lines) + "\n").encode()


def serve_child(db: str, port: int) -> None:
    """Child process: the web app over ``db`` with the process-wide (embedding) grader."""
    import uvicorn

    from tokendeck.web.app import create_app
    from tokendeck.web.settings import WebSettings

    app = create_app(WebSettings(db_path=Path(db), install_builtin=True, preload_model=True))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def start_server(db: Path, port: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys; sys.path.insert(0, 'benchmarks'); from bench_background import serve_child;"
        f" serve_child({str(db)!r}, {port})"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    from bench_web import wait_up

    wait_up(port, proc)
    return proc


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class HomeProber(threading.Thread):
    """Asks for the home page every HOME_EVERY seconds; latencies by phase."""

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.phase = "baseline"
        self.latencies: dict[str, list[float]] = {}
        self.slow: list[tuple[float, str, float]] = []  # (seconds since start, phase, ms)
        self.began = time.monotonic()
        self.failures = 0
        self.stop = threading.Event()

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        while not self.stop.is_set():
            started = time.perf_counter()
            try:
                conn.request("GET", "/", headers={"Accept": "text/html"})
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except OSError:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                ok = False
            elapsed = time.perf_counter() - started
            if ok:
                self.latencies.setdefault(self.phase, []).append(elapsed)
                if elapsed > SLOW:
                    moment = round(time.monotonic() - self.began, 1)
                    self.slow.append((moment, self.phase, round(elapsed * 1000, 1)))
            else:
                self.failures += 1
            time.sleep(max(0.0, HOME_EVERY - elapsed))


def call(port: int, method: str, path: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    # Changes must come from the app's own origin, as its pages' do (web/security.py).
    sent = {"Origin": f"http://127.0.0.1:{port}", **(headers or {})}
    conn.request(method, path, body=body, headers=sent)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    is_json = "json" in (response.getheader("content-type") or "")
    return response.status, json.loads(payload) if payload and is_json else None


def upload(port: int, name: str, data: bytes, deck: str) -> tuple[int, Any]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="deck"\r\n\r\n{deck}\r\n'.encode(),
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + data
        + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    return call(port, "POST", "/api/v1/import", b"".join(parts), headers)


def wait_ready(
    port: int, card_id: int, window: float, log: list[dict[str, Any]], label: str
) -> float | None:
    """Ask for a card's related cards until they come (the deck prepared); seconds taken."""
    start = time.monotonic()
    while time.monotonic() - start < window:
        status, body = call(port, "GET", f"/api/v1/quiz/cards/{card_id}/related")
        if status == 200:
            return time.monotonic() - start
        state = (body or {}).get("preparing", {})
        log.append({"t": round(time.monotonic() - start, 1), **state})
        print(f"  {label} {time.monotonic() - start:.1f}:"
              f" {state.get('stage')} {state.get('done')}/{state.get('total')}"
              f" after {state.get('seconds')} s", file=sys.stderr)  # fmt: skip
        time.sleep(2)
    return None


def stop(server: subprocess.Popen[bytes], prober: HomeProber) -> None:
    """Stop the prober (if it runs), then the server (always)."""
    prober.stop.set()
    if prober.is_alive():
        prober.join(timeout=5)
    server.terminate()
    server.wait(timeout=30)


def summary(values: list[float]) -> dict[str, float]:
    from bench_web import percentile

    if not values:
        return {"count": 0}
    ms = [v * 1000 for v in values]
    return {
        "count": len(ms),
        "median_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=900, help="seconds to wait for embedding")
    parser.add_argument("--no-restart", action="store_true", help="skip the restart phase")
    args = parser.parse_args()
    from bench_web import free_port

    folder = OUT / "background"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    db = folder / "collection.db"
    data = make_csv(args.cards)
    port = free_port()
    server = start_server(db, port)
    prober = HomeProber(port)
    result: dict[str, Any] = {"cards": args.cards}
    try:
        call(port, "GET", "/")
        prober.start()
        time.sleep(10)  # the machine's own noise, for comparison
        prober.phase = "import"
        started = time.monotonic()
        status, imported = upload(port, "bench.csv", data, "Imported")
        result["import_seconds"] = round(time.monotonic() - started, 2)
        if status != 200:
            raise RuntimeError(f"import failed: {status} {imported}")
        print(f"imported {args.cards:,} notes in {result['import_seconds']} s", file=sys.stderr)
        prober.phase = "preparing"
        _, page = call(port, "GET", "/api/v1/cards?q=deck:Imported&limit=1")
        card = page["cards"][0]["id"]
        progress: list[dict[str, Any]] = []
        result["embedding_seconds"] = wait_ready(port, card, args.window, progress, "preparing")
        result["progress"] = progress
        prober.phase = "ready"
        time.sleep(3)
        result["server_peak_rss_mib"] = round(peak_rss_mb(server.pid), 1)
    finally:
        stop(server, prober)
    result["home"] = {phase: summary(v) for phase, v in prober.latencies.items()}
    result["home_failures"] = prober.failures
    result["slow_home"] = prober.slow

    if args.no_restart:
        report(result)
        return
    # A restart: the deck's vectors come from the disk cache.
    port = free_port()
    server = start_server(db, port)
    prober = HomeProber(port)
    try:
        call(port, "GET", "/")
        prober.phase = "after restart"
        prober.start()
        result["ready_after_restart_seconds"] = wait_ready(
            port, card, args.window, [], "after restart"
        )
        time.sleep(1)
    finally:
        stop(server, prober)
    result["home"].update({p: summary(v) for p, v in prober.latencies.items()})
    (OUT / "background.json").write_text(json.dumps(result, indent=2))
    report(result)


def report(result: dict[str, Any]) -> None:
    print(f"\n{result['cards']:,}-card import, home page latency by phase (GET / every 20 ms):")
    print(f"{'phase':<15} {'requests':>8} {'median':>8} {'p95':>8} {'p99':>8} {'max':>8}  (ms)")
    for phase, s in result["home"].items():
        if s.get("count"):
            print(f"{phase:<15} {s['count']:>8} {s['median_ms']:>8} {s['p95_ms']:>8}"
                  f" {s['p99_ms']:>8} {s['max_ms']:>8}")  # fmt: skip
    slow = result.get("slow_home", [])
    print(f"home answers over {SLOW * 1000:.0f} ms: {len(slow)} {slow[:10]}")
    embedded = result.get("embedding_seconds")
    rate = f"{result['cards'] / embedded:.0f} cards/s" if embedded else "not finished"
    print(f"import {result['import_seconds']} s; embedding {embedded} s ({rate});"
          f" ready again {result.get('ready_after_restart_seconds')} s after a restart;"
          f" server peak memory {result.get('server_peak_rss_mib')} MiB;"
          f" failed home requests {result['home_failures']}")  # fmt: skip


if __name__ == "__main__":
    main()
