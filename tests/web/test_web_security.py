"""The local server against other websites: Host, Origin, body sizes, headers, odd inputs.

Issue 14: a cross-origin multipart POST imported notes, ``Host: evil.example``
was served (DNS rebinding), uploads over the limit were read whole before the
413, no CSP, and ids >= 2^63, ``"\\ud800"`` and a 1 MB time zone answered 500.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import re
import zipfile
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from tests.web.conftest import LOCAL, local_client
from tests.web.test_web_api import error_of
from tokendeck.cli import cli
from tokendeck.cli.serve import is_loopback
from tokendeck.web.app import create_app
from tokendeck.web.security import CSRF_HEADER, DEFAULT_MAX_BODY
from tokendeck.web.settings import WebSettings

BIG = 2**63
CSV = b"front,back\nhola,hello\nadios,goodbye\n"


def note_count(client: TestClient) -> int:
    return int(client.get("/api/v1/cards", params={"limit": 1}).json()["total"])


def upload(name: str = "deck.csv", data: bytes = CSV) -> dict[str, Any]:
    return {"file": (name, io.BytesIO(data), "text/csv")}


# -- Host: DNS rebinding ---------------------------------------------------------------------


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_other_hosts_get_nothing(client: TestClient, host: str) -> None:
    before = note_count(client)
    exported = client.get("/api/v1/export", params={"format": "csv"}, headers={"Host": host})
    error_of(exported, 400, "bad_host")
    assert "hola" not in exported.text
    deleted = client.delete("/api/v1/cards/1", headers={"Host": host})
    error_of(deleted, 400, "bad_host")
    assert note_count(client) == before


@pytest.mark.parametrize(
    "host", ["localhost", "localhost:8000", "127.0.0.1:8000", "[::1]:8000", "LOCALHOST"]
)
def test_loopback_names_are_served(client: TestClient, host: str) -> None:
    assert client.get("/api/v1/decks", headers={"Host": host}).status_code == 200


def test_the_bound_loopback_address_is_added(tmp_path: Any) -> None:
    import click

    from tokendeck.cli.serve import _settings
    from tokendeck.cli.state import CliState

    with click.Context(cli, obj=CliState(db_path=str(tmp_path / "c.db"), now_text=None)):
        settings = _settings("127.0.0.2")
    assert settings.allowed_hosts is not None
    assert "127.0.0.2" in settings.allowed_hosts and "localhost" in settings.allowed_hosts


# -- Origin / CSRF token -----------------------------------------------------------------------


@pytest.mark.parametrize("origin", ["http://evil.example", "null", "http://localhost:9999"])
def test_a_cross_origin_import_changes_nothing(client: TestClient, origin: str) -> None:
    before = note_count(client)
    response = client.post("/api/v1/import", files=upload(), headers={"Origin": origin})
    error_of(response, 403, "cross_origin")
    assert note_count(client) == before


def test_a_same_origin_import_works(client: TestClient) -> None:
    before = note_count(client)
    response = client.post("/api/v1/import", files=upload(), headers={"Origin": LOCAL})
    assert response.status_code == 200, response.text
    assert note_count(client) == before + 2


def test_without_origin_only_the_token_proves_where_a_change_comes_from(
    web_settings: WebSettings,
) -> None:
    app = create_app(web_settings)
    with TestClient(app, base_url=LOCAL) as bare:  # no Origin, as curl
        error_of(bare.delete("/api/v1/cards/1"), 403, "cross_origin")
        wrong = bare.delete("/api/v1/cards/1", headers={CSRF_HEADER: "guess"})
        error_of(wrong, 403, "cross_origin")
        token = {CSRF_HEADER: app.state.csrf_token}
        assert bare.delete("/api/v1/cards/1", headers=token).status_code == 204
        # A browser says where the request came from: another site is refused even with it.
        cross = {**token, "Sec-Fetch-Site": "cross-site"}
        error_of(bare.delete("/api/v1/cards/2", headers=cross), 403, "cross_origin")
        # Reading needs no proof (another origin cannot read the answer).
        assert bare.get("/api/v1/decks").status_code == 200


def test_every_page_carries_the_token_the_app_expects(web_settings: WebSettings) -> None:
    app = create_app(web_settings)
    with local_client(app) as client:
        page = client.get("/", headers={"Accept": "text/html"}).text
    found = re.search(r'<meta name="tokendeck-csrf" content="([^"]+)">', page)
    assert found is not None and found.group(1) == app.state.csrf_token
    other = create_app(web_settings)
    assert other.state.csrf_token != app.state.csrf_token  # a fresh token per server


# -- body sizes ------------------------------------------------------------------------------


def _asgi(app: Any, scope: dict[str, Any], bodies: list[bytes]) -> tuple[int, int, bytes]:
    """Run one request straight through ASGI; (status, chunks read, response body)."""
    reads = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        if reads > len(bodies):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": bodies[reads - 1], "more_body": reads < len(bodies)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    # On a thread of its own: a browser test earlier in the run may hold this thread's loop.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], reads, body


def _scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"localhost"), (b"origin", LOCAL.encode()), *headers],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


def test_a_declared_oversized_upload_is_refused_before_reading(web_settings: WebSettings) -> None:
    app = create_app(web_settings)
    headers = [
        (b"content-type", b"multipart/form-data; boundary=x"),
        (b"content-length", str(1 << 30).encode()),
    ]
    status, reads, body = _asgi(app, _scope("/api/v1/import", headers), [b"x" * 1024] * 4)
    assert status == 413 and b"too_large" in body
    assert reads == 0  # not one byte of the gibibyte was read


def test_a_streamed_upload_is_cut_off_at_the_limit(web_settings: WebSettings) -> None:
    app = create_app(web_settings)
    chunk = b"x" * (16 * 1024)
    part = b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    chunks = [part] + [chunk] * 1000  # 16 MB, no Content-Length; the test limit is 64 KiB
    headers = [(b"content-type", b"multipart/form-data; boundary=x")]
    status, reads, _body = _asgi(app, _scope("/api/v1/import", headers), chunks)
    assert status == 413
    assert reads <= (web_settings.max_upload_bytes + 64 * 1024) // len(chunk) + 2


def test_json_bodies_have_their_own_limit(client: TestClient) -> None:
    huge = b'{"front": "' + b"x" * DEFAULT_MAX_BODY + b'"}'
    response = client.post(
        "/api/v1/notes", content=huge, headers={"Content-Type": "application/json"}
    )
    error_of(response, 413, "too_large")


# -- headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/browse", "/api/v1/decks", "/static/app.css", "/no-such-page", "/openapi.json"]
)
def test_every_response_forbids_framing_and_inline_script(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_api_docs_page_allows_only_its_own_inline_script(client: TestClient) -> None:
    response = client.get("/docs")
    policy = response.headers["content-security-policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'", policy)
    assert "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy.split(";")[1]


# -- no 500s ---------------------------------------------------------------------------------

_ID_PATHS = [
    ("get", "/api/v1/decks/{}"),
    ("patch", "/api/v1/decks/{}/config"),
    ("get", "/api/v1/notes/{}"),
    ("patch", "/api/v1/notes/{}"),
    ("delete", "/api/v1/notes/{}"),
    ("get", "/api/v1/cards/{}"),
    ("delete", "/api/v1/cards/{}"),
    ("get", "/api/v1/cards/{}/info"),
    ("get", "/api/v1/quiz/cards/{}/related"),
    ("get", "/api/v1/quiz/clozes?card_id={}"),
    ("get", "/api/v1/cards?offset={}"),
    ("get", "/cards/{}"),
]


@pytest.mark.parametrize(("method", "path"), _ID_PATHS)
@pytest.mark.parametrize("number", [BIG, 2**64, -(2**63) - 1])
def test_ids_too_large_for_the_database_are_invalid(
    client: TestClient, method: str, path: str, number: int
) -> None:
    response = client.request(method, path.format(number), json={})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/study/answer", {"card_id": BIG, "rating": 3}),
        ("/api/v1/cards/bulk", {"card_ids": [1, BIG], "action": "suspend"}),
        ("/api/v1/quiz/questions", {"card_id": BIG, "format": "flip"}),
        ("/api/v1/quiz/clozes", {"note_id": BIG, "text": "x"}),
        ("/api/v1/quiz/records", {"token": "t", "overrides": {str(BIG): 3}}),
    ],
)
def test_ids_too_large_in_bodies_are_invalid(client: TestClient, path: str, body: Any) -> None:
    assert client.post(path, json=body).status_code == 400


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/api/v1/notes", '{"deck": "\\ud800", "front": "a", "back": "b"}'),
        ("/api/v1/notes", '{"deck": "D", "front": "\\udfff x", "back": "b"}'),
        ("/api/v1/decks", '{"name": "\\ud800"}'),
    ],
)
def test_lone_surrogates_are_invalid_json(client: TestClient, path: str, text: str) -> None:
    response = client.post(path, content=text, headers={"Content-Type": "application/json"})
    body = error_of(response, 400, "invalid")
    assert "surrogate" in str(body["details"])


def test_a_paired_surrogate_escape_is_ordinary_text(client: TestClient) -> None:
    text = '{"deck": "Emoji", "front": "\\ud83d\\ude00", "back": "grin"}'
    response = client.post(
        "/api/v1/notes", content=text, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text


def test_nan_is_not_a_number_the_api_takes(client: TestClient) -> None:
    text = '{"token": "t", "overrides": {}, "duration_ms": NaN}'
    response = client.post(
        "/api/v1/quiz/records", content=text, headers={"Content-Type": "application/json"}
    )
    error_of(response, 400, "invalid")


@pytest.mark.parametrize("zone", ["x" * 1_000_000, "Mars/Phobos", "../../etc/passwd", "a\x00b"])
def test_odd_time_zones_are_refused(client: TestClient, zone: str) -> None:
    response = client.patch("/api/v1/settings", json={"timezone": zone})
    error_of(response, 400, "invalid")
    assert client.get("/api/v1/settings").json()["timezone"] == "UTC"


# -- serve --host ------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_serve_refuses_a_host_others_can_reach(host: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", host])
    assert result.exit_code != 0
    message = str(result.exception) if result.exception else result.output
    assert "no accounts" in message and "ssh -L" in message and "multi-user" in message


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("10.0.0.1", False), ("example.org", False)],
)  # fmt: skip
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_an_upload_zip_bomb_is_a_413_not_a_frozen_server(client: TestClient) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tokendeck-backup.json", b" " * (32 << 20))
    response = client.post("/api/v1/import/preview", files=upload("bomb.zip", buffer.getvalue()))
    error_of(response, 413, "too_large")


def test_a_recursive_view_upload_is_refused_not_a_frozen_server(
    client: TestClient, tmp_path: Any
) -> None:
    from tests.fuzzing.corpus import build
    from tests.test_hostile_files import tampered_apkg

    seed = build(tmp_path / "seeds", anki=False)["apkg"][0]
    path = tampered_apkg(
        seed,
        tmp_path / "view.apkg",
        "ALTER TABLE notes RENAME TO notes_real",
        "CREATE VIEW notes AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)"
        " SELECT x AS id, '' AS guid, 0 AS mid, '' AS tags, '' AS flds FROM r",
    )
    files = {"file": ("view.apkg", path.read_bytes(), "application/octet-stream")}
    response = client.post("/api/v1/import/preview", files=files)
    body = error_of(response, 400, "bad_file")
    assert "holds a SQL view ('notes')" in body["message"]
    assert client.get("/api/v1/decks").status_code == 200  # and the server still answers
