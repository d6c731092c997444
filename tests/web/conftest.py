"""Web fixtures: a per-test collection file, a clock the test controls, an in-process client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from tests.hand_clock import Clock
from tokendeck.collection import Collection
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

#: Fixed start time of every web test: a Friday afternoon, UTC.
START = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)

#: Cards every seeded collection holds: (deck, front, back, tags).
SEED = (
    ("Spanish", "el perro", "the dog", ("animals",)),
    ("Spanish", "el gato", "the cat", ("animals",)),
    ("Spanish", "la casa", "the house", ()),
    ("Maths", "Area of a circle", "$\\pi r^2$", ("geometry",)),
)


class PatientClient(TestClient):
    """A client that asks again while the server answers 202 "preparing" (a deck's cards
    being embedded in the background), as the pages do."""

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        deadline = time.monotonic() + 120
        while True:
            response = super().request(method, url, **kwargs)
            preparing = response.status_code == 202 and "preparing" in response.text
            if not preparing or time.monotonic() > deadline:
                return response
            time.sleep(0.02)


@pytest.fixture
def clock() -> Clock:
    """The app's clock, pinned to :data:`START`."""
    return Clock(START)


@pytest.fixture
def web_db(location: str | Path) -> str | Path:
    """A fresh collection with :data:`SEED` cards, in UTC: a SQLite file or a PostgreSQL URL."""
    with Collection.open(location, now=START, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for deck, front, back, tags in SEED:
            col.add_note(deck, front, back, now=START, tags=tags)
    return location


@pytest.fixture
def web_settings(web_db: str | Path, clock: Clock) -> WebSettings:
    """Settings over the seeded collection with the test clock."""
    where = (
        {"database": web_db} if isinstance(web_db, str) else {"db_path": web_db}
    )  # a URL, or a file
    return WebSettings(clock=clock, install_builtin=False, max_upload_bytes=64 * 1024, **where)


#: Where the in-process client says it is: a loopback host, as a browser on this machine.
LOCAL = "http://localhost"


def local_client(app: Any, *, patient: bool = False) -> TestClient:
    """A test client that looks like the app's own pages: loopback Host, same-origin Origin.

    (The server refuses other hosts and cross-origin changes: tests/web/test_web_security.py.)
    ``patient`` asks again while the server answers 202 "preparing", as the pages do.
    """
    kind = PatientClient if patient else TestClient
    return kind(app, base_url=LOCAL, headers={"Origin": LOCAL})


def local_async_client(app: Any, **transport: Any) -> httpx.AsyncClient:
    """:func:`local_client` for async tests (requests in flight together on one loop)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, **transport),
        base_url=LOCAL,
        headers={"Origin": LOCAL},
    )


@pytest.fixture
def client(web_settings: WebSettings) -> Iterator[TestClient]:
    """An in-process client; the ``with`` keeps one event loop (and thread) for the test."""
    with local_client(create_app(web_settings)) as test_client:
        yield test_client


# -- browser tests: a live server on loopback and Debian's Chromium via Playwright ------------

REPO = Path(__file__).resolve().parents[2]
AXE = REPO / "tests" / "web" / ".npm" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def live_server(web_settings: WebSettings) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in a background thread."""
    import socket
    import threading
    import time

    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(
        create_app(web_settings), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test web server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's package; see scripts/setup-browser.sh)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/setup-browser.sh")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any, live_server: str) -> Iterator[Any]:
    """A fresh desktop-sized page whose relative URLs go to the live server."""
    # Playwright's wait_for_function evaluates strings, which the app's CSP forbids (no
    # 'unsafe-eval'); the pages themselves are checked under the CSP in test_web_origins.py.
    context = browser.new_context(
        base_url=live_server, viewport={"width": 1280, "height": 900}, bypass_csp=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the page: {errors}"
