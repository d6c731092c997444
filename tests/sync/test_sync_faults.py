"""A sync interrupted anywhere completes when run again, with nothing duplicated or lost.

* the link drops mid-batch (before the server applied it, or after, with the
  answer lost), in-process, at every request of a multi-batch sync;
* the client (``tokendeck sync``) is killed with SIGKILL at every stage of an
  upload and of a download (at its 1st, 2nd, 3rd... request, before the server
  saw it or after the server answered), then run again;
* the server (``tokendeck server``) is killed with SIGKILL while it handles a
  request of an upload, restarted, and the sync run again; on SQLite and on
  PostgreSQL.

The kills happen at chosen requests (tests/sync/proxy.py), not after a delay,
so the tests do not depend on the machine's speed.

Batches are made small (``TOKENDECK_SYNC_BATCH``) so each sync has many.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW
from tests.sync.conftest import PASSWORD, TOKENDECK, LiveServer
from tests.sync.harness import InProcess, local_uids, view
from tests.sync.proxy import KillingProxy
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
            # Every request of a multi-batch sync was cut once (a resumed sync sends no
            # info request: one request fewer per attempt than in protocol 1).
            assert broken >= 5
        laptop.sync(now=NOW, transport=link, limits=SMALL)
        assert view(laptop) == view(phone) == view(server)
        assert len(view(phone)["reviews"]) == 720 == len(local_uids(laptop))
    finally:
        for col in (laptop, phone, server):
            col.close()


# -- the client is killed ----------------------------------------------------------------------
@pytest.fixture
def proxy(live_server: LiveServer) -> Iterator[KillingProxy]:
    """The live server behind a proxy that kills at a chosen sync request."""
    between = KillingProxy(live_server.url)
    between.kill_server = live_server.kill
    try:
        yield between
    finally:
        between.close()


def _login(db: Path, url: str) -> None:
    env = {**os.environ, "TOKENDECK_PASSWORD": PASSWORD}
    subprocess.run(
        [TOKENDECK, "--db", str(db), "login", url, "--user", "ada"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip


def _sync(db: Path, proxy: KillingProxy) -> tuple[int, str]:
    """Run ``tokendeck sync`` in small batches through the proxy: (exit code, stderr)."""
    env = {**os.environ, "TOKENDECK_SYNC_BATCH": "40,300"}
    process = subprocess.Popen(
        [TOKENDECK, "--db", str(db), "--now", NOW.isoformat(), "sync"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    proxy.victim = process
    _, err = process.communicate(timeout=300)
    return process.returncode, err.decode()


def _killed_until_done(db: Path, proxy: KillingProxy) -> int:
    """Sync, killing the client at its 1st, 2nd, 3rd... request of each run (alternately
    before the server sees it and after the server answered) until a run gets through;
    returns the kills."""
    kills = 0
    while True:
        proxy.arm(kills + 1, ("request", "answer")[kills % 2])
        code, err = _sync(db, proxy)
        if code != -signal.SIGKILL:
            assert code == 0, err
            proxy.arm(None)
            return kills
        kills += 1


@pytest.mark.slow
def test_a_client_killed_anywhere_in_an_upload_and_a_download_finishes_later(
    proxy: KillingProxy, tmp_path: Path
) -> None:
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    history_collection(laptop, notes=400, reviews=8)
    with Collection.open(phone, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
    for db in (laptop, phone):
        _login(db, proxy.url)
    # upload: ~30 batches; each run is killed one request later than the one before
    assert _killed_until_done(laptop, proxy) >= 4
    assert _killed_until_done(phone, proxy) >= 4  # the download, in as many batches
    assert _sync(laptop, proxy)[0] == 0
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b)
        assert len(view(b)["reviews"]) == 3200 == len(local_uids(a))


# -- the server is killed ----------------------------------------------------------------------
@pytest.mark.slow
def test_a_server_killed_in_the_middle_of_an_upload_loses_nothing(
    live_server: LiveServer, proxy: KillingProxy, tmp_path: Path
) -> None:
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    history_collection(laptop, notes=400, reviews=8)
    _login(laptop, proxy.url)
    for at in (2, 5, 9):  # the server dies while it handles the upload's n-th request
        proxy.arm(at, "server")
        code, err = _sync(laptop, proxy)
        assert code == 1 and "cannot reach the server" in err, err
        live_server.start()
    assert proxy.kills == 3
    proxy.arm(None)
    assert _sync(laptop, proxy)[0] == 0
    with Collection.open(phone, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
    _login(phone, proxy.url)
    assert _sync(phone, proxy)[0] == 0
    assert _sync(laptop, proxy)[0] == 0
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b)
        assert len(view(b)["reviews"]) == 3200 == len(local_uids(a))
