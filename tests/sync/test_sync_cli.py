"""``tokendeck login``, ``sync`` and ``logout`` against a real ``tokendeck server``."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import NOW
from tests.sync.conftest import PASSWORD, LiveServer
from tests.sync.harness import view
from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.sync import credentials

pytestmark = pytest.mark.slow


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_login_sync_on_two_devices_then_logout(
    live_server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    with Collection.open(laptop, now=NOW) as col:  # the built-in deck, and a deck of mine
        col.add_note("Spanish", "el perro", "the dog", now=NOW)
        col.answer(col.cards()[0].id, "good", now=NOW)
    monkeypatch.setenv("TOKENDECK_PASSWORD", PASSWORD)
    code, out, _ = run(capsys, "--db", str(laptop), "login", live_server.url, "--user", "ada")
    assert code == 0 and "Logged in" in out
    token_file = credentials.path_for(str(laptop))
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert PASSWORD not in token_file.read_text()
    code, _, err = run(capsys, "--db", str(laptop), "sync")
    assert code == 0, err
    assert run(capsys, "--db", str(phone), "login", live_server.url, "--user", "ada")[0] == 0
    code, out, _ = run(capsys, "--db", str(phone), "sync")
    assert code == 0 and "Synced with" in out
    assert run(capsys, "--db", str(laptop), "sync")[0] == 0
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b)
        assert len(view(a)["reviews"]) == 1
        assert len({d.name for d in a.decks()}) == len(a.decks()) == 2  # built-in deck once
    code, out, _ = run(capsys, "--db", str(phone), "logout")
    assert code == 0 and "revoked" in out and not credentials.path_for(str(phone)).exists()
    code, _, err = run(capsys, "--db", str(phone), "sync")
    assert code == 1 and "not logged in" in err and "tokendeck login" in err


def test_a_revoked_token_and_an_unreachable_server_say_what_to_do(
    live_server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    db = tmp_path / "laptop.db"
    monkeypatch.setenv("TOKENDECK_PASSWORD", PASSWORD)
    assert run(capsys, "--db", str(db), "login", live_server.url, "--user", "ada")[0] == 0
    saved = credentials.load(str(db))
    assert saved is not None and saved.token_id is not None
    headers = {"Authorization": f"Bearer {saved.token}"}
    httpx.delete(f"{live_server.url}/api/v1/auth/tokens/{saved.token_id}", headers=headers)
    code, _, err = run(capsys, "--db", str(db), "sync")
    assert code == 1 and "refused this collection's token" in err and "log in again" in err
    live_server.stop()
    code, _, err = run(capsys, "--db", str(db), "sync")
    assert code == 1 and "cannot reach the server" in err and "kept here" in err


def test_a_wrong_password_is_refused_without_saying_which(
    live_server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOKENDECK_PASSWORD", "not the password")
    db = tmp_path / "x.db"
    code, _, err = run(capsys, "--db", str(db), "login", live_server.url, "--user", "ada")
    assert code == 1 and "refused the name or password" in err
    assert not credentials.path_for(str(db)).exists()


def test_a_batch_over_the_default_request_limit_passes_the_servers_guard(
    live_server: LiveServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import random

    from tokendeck.web.security import DEFAULT_MAX_BODY

    rng = random.Random(5)
    laptop, phone = tmp_path / "laptop.db", tmp_path / "phone.db"
    with Collection.open(laptop, now=NOW, install_builtin=False) as col:
        for i in range(10):  # text that hardly compresses: one batch of about 5 MB (kept out
            # of the search index, which would take seconds to index it on every side)
            text = "".join(chr(rng.randrange(0x4E00, 0x9FFF)) for _ in range(250_000))
            col.add_note("Essays", f"essay {i}", "-", now=NOW, source=text)
    monkeypatch.setenv("TOKENDECK_PASSWORD", PASSWORD)
    for db in (laptop, phone, laptop):
        assert run(capsys, "--db", str(db), "login", live_server.url, "--user", "ada")[0] == 0
        code, out, err = run(capsys, "--db", str(db), "sync")
        assert code == 0, err
        if db == laptop and "received 0" in out:
            sent = int(out.split("(")[1].split(" bytes")[0].replace(",", ""))
            assert sent > DEFAULT_MAX_BODY  # more than any other request may carry
    with Collection.open(laptop, now=NOW) as a, Collection.open(phone, now=NOW) as b:
        assert view(a) == view(b) and len(view(b)["notes"]) > 10  # and the built-in deck
