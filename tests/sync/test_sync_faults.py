"""A sync interrupted anywhere completes when run again, with nothing duplicated or lost.

* the link drops mid-batch (before the server applied it, or after, with the
  answer lost), in-process, at every request of a multi-batch sync;
* the client (``tokendeck sync``) is killed with SIGKILL at random moments of an
  upload and of a download, then run again;
* the server (``tokendeck server``) is killed with SIGKILL in the middle of an
  upload, restarted, and the sync run again; on SQLite and on PostgreSQL.

Batches are made small (``TOKENDECK_SYNC_BATCH``) so each sync has many.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW
from tests.sync.conftest import PASSWORD, TOKENDECK, LiveServer
from tests.sync.harness import InProcess, local_uids, view
from tokendeck.collection import Collection
from tokendeck.errors import SyncError
from tokendeck.sync.outgoing import Limits
from tokendeck.transfer.package import CardRecord, NoteRecord, Package, ReviewRecord

SMALL = Limits(rows=40, reviews=300)


def history_collection(path: Path, notes: int, reviews: int, *, seed: int = 1) -> None:
    """A collection of ``notes`` notes with ``reviews`` answers each, imported in bulk."""
    rng = random.Random(seed)
    records = []
    for n in range(notes):
        at = NOW - timedelta(days=400)
        answers = []
        for _ in range(reviews):
            at += timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600))
            answers.append(ReviewRecord(at, rng.choice((1, 3, 3, 3, 4)), 4000, "review"))
        card = CardRecord(
            state="review",
            due=NOW + timedelta(days=rng.randint(0, 30)),
            stability=float(rng.randint(2, 90)),
            difficulty=5.0,
            last_review=at,
            reps=reviews,
            reviews=answers,
        )
        records.append(NoteRecord(f"question {n}", f"answer {n}", deck="History", cards=[card]))
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        col.import_package(Package(notes=records, source="test"), now=NOW)


# -- the link drops ----------------------------------------------------------------------------
@pytest.mark.parametrize("lost", ["request", "answer"])
def test_a_link_dropped_at_any_request_leaves_nothing_half_done(tmp_path: Path, lost: str) -> None:
    history_collection(tmp_path / "a.db", notes=120, reviews=6)
    server = Collection.open(tmp_path / "s.db", user="ann", now=NOW, install_builtin=False)
    link = InProcess(server, lambda: NOW)
    laptop = Collection.open(tmp_path / "a.db", now=NOW, install_builtin=False)
    phone = Collection.open(tmp_path / "b.db", now=NOW, install_builtin=False)
    try:
        for device in (laptop, phone):
            broken = 0
            while True:  # drop the link at request 1, then 2, ... until a sync gets through
                broken += 1
                link.calls, link.cut = 0, (broken, lost)
                try:
                    device.sync(now=NOW, transport=link, limits=SMALL)
                except SyncError:
                    continue
                break
            link.cut = None
            assert broken > 5  # every request of a multi-batch sync was cut once
        laptop.sync(now=NOW, transport=link, limits=SMALL)
        assert view(laptop) == view(phone) == view(server)
        assert len(view(phone)["reviews"]) == 720 == len(local_uids(laptop))
    finally:
        for col in (laptop, phone, server):
            col.close()


# -- the client is killed ----------------------------------------------------------------------
def _login(db: Path, server: LiveServer) -> None:
    env = {**os.environ, "TOKENDECK_PASSWORD": PASSWORD}
    subprocess.run(
        [TOKENDECK, "--db", str(db), "login", server.url, "--user", "ada"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip


def _sync_killed_after(db: Path, seconds: float) -> int | None:
    """Run ``tokendeck sync``; SIGKILL it after ``seconds`` (None: it finished first)."""
    env = {**os.environ, "TOKENDECK_SYNC_BATCH": "40,300"}
    process = subprocess.Popen(
        [TOKENDECK, "--db", str(db), "--now", NOW.isoformat(), "sync"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return None


@pytest.mark.slow
def test_a_client_killed_anywhere_in_an_upload_and_a_download_finishes_later(
    live_server: LiveServer, tmp_path: Path
) -> None:
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    history_collection(laptop, notes=400, reviews=8)
    with Collection.open(phone, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
    rng = random.Random(7)
    kills = 0
    for db in (laptop, phone):
        _login(db, live_server)
        while _sync_killed_after(db, rng.uniform(0.3, 2.5)) is None:
            kills += 1
        assert _sync_killed_after(db, 300) == 0
    assert _sync_killed_after(laptop, 300) == 0
    assert kills >= 2
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b)
        assert len(view(b)["reviews"]) == 3200 == len(local_uids(a))


# -- the server is killed ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_server_killed_in_the_middle_of_an_upload_loses_nothing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    history_collection(laptop, notes=400, reviews=8)
    _login(laptop, live_server)
    env = {**os.environ, "TOKENDECK_SYNC_BATCH": "40,300"}
    rng = random.Random(3)
    for _ in range(3):
        process = subprocess.Popen(
            [TOKENDECK, "--db", str(laptop), "--now", NOW.isoformat(), "sync"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        time.sleep(rng.uniform(0.4, 1.5))
        live_server.kill()
        code = process.wait(timeout=120)
        assert code in (0, 1)
        if code == 1:
            assert b"cannot reach the server" in (process.stderr.read() if process.stderr else b"")
        live_server.start()
    assert _sync_killed_after(laptop, 300) == 0
    with Collection.open(phone, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
    _login(phone, live_server)
    assert _sync_killed_after(phone, 300) == 0
    assert _sync_killed_after(laptop, 300) == 0
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b)
        assert len(view(b)["reviews"]) == 3200 == len(local_uids(a))
