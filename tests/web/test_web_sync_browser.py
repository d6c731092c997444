"""Playwright and the CLI: an answer made offline in the local app and one made on the
server's web app are both on both sides after the local app's Sync button.

A real ``tokendeck server`` (SQLite), a local collection logged in with ``tokendeck
login``, the local app (``tokendeck serve``'s app) on another port, and Debian's
Chromium driving both web apps.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW

# The live server's fixtures (tests/sync/conftest.py): this test lives with the other browser
# tests, which run last, after the tests that run event loops of their own (the terminal's).
from tests.sync.conftest import (  # noqa: F401
    PASSWORD,
    LiveServer,
    _config_dir,
    live_database,
    live_server,
)
from tests.sync.harness import view
from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def local_app(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The single-user app over a local collection of three notes, on loopback."""
    import uvicorn

    db = tmp_path / "local.db"
    with Collection.open(db, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for front, back in (("el perro", "the dog"), ("el gato", "the cat"), ("la casa", "house")):
            col.add_note("Spanish", front, back, now=NOW)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = WebSettings(db_path=db, install_builtin=False)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the local app did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}", db
    server.should_exit = True
    thread.join(timeout=10)


def _cli(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def _answer_one(page: Any) -> str:
    """Reveal the card the study page shows and press Good; returns its question."""
    page.locator("#reveal").wait_for()
    question = str(page.locator("#question").inner_text())
    page.keyboard.press("Space")
    page.locator("#ratings").wait_for()
    page.keyboard.press("3")
    page.wait_for_function("document.getElementById('progress').textContent.startsWith('1 done')")
    return question


def test_offline_and_server_answers_meet_after_the_sync_button(
    live_server: LiveServer,  # noqa: F811
    local_app: tuple[str, Path],
    browser: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    local_url, local_db = local_app
    monkeypatch.setenv("TOKENDECK_PASSWORD", PASSWORD)
    assert _cli("--db", str(local_db), "login", live_server.url, "--user", "ada") == 0
    assert _cli("--db", str(local_db), "sync") == 0  # the first sync uploads the collection

    # bypass_csp: Playwright's waits evaluate strings, which the apps' CSP forbids their
    # own pages; the pages' scripts and the guard's Origin/CSRF checks run as for anyone.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(20_000)
    errors: list[str] = []
    try:
        local = context.new_page()
        local.on("pageerror", lambda exc: errors.append(str(exc)))
        local.goto(f"{local_url}/study")
        offline = _answer_one(local)  # the server is not asked: an offline answer

        remote = context.new_page()
        remote.on("pageerror", lambda exc: errors.append(str(exc)))
        remote.goto(f"{live_server.url}/login")
        remote.fill("#username", "ada")
        remote.fill("#password", PASSWORD)
        remote.get_by_role("button", name="Log in").click()
        remote.wait_for_url(re.compile(r".*/$"))
        remote.goto(f"{live_server.url}/study")
        on_server = _answer_one(remote)

        local.goto(f"{local_url}/")
        local.get_by_role("button", name="Sync").click()
        local.wait_for_function(
            "document.getElementById('sync-status').textContent.startsWith('Synced')"
        )
        status = local.locator("#sync-status").inner_text()
        assert "sent" in status and "received" in status
    finally:
        context.close()
    assert not errors, f"JavaScript errors in the pages: {errors}"
    assert _cli("--db", str(local_db), "sync") == 0  # nothing left to do: exits 0

    server_file = live_server.database.removeprefix("sqlite:///")
    with (
        Collection.open(local_db, now=NOW) as mine,
        Collection.open(server_file, user="ada", now=NOW, install_builtin=False) as theirs,
    ):
        assert view(mine) == view(theirs)
        answered = {mine.card(r.card_id).front for r in mine.reviews()}
        assert answered == {offline, on_server} or (offline == on_server and len(answered) == 1)
        assert len(list(mine.reviews())) == len(list(theirs.reviews())) == 2
    assert os.environ["TOKENDECK_CONFIG_DIR"]  # the token went to the test's own folder
