"""Media in the web app (issue 11): the media route, what cards show, Check Media.

The collection holds real Anki decks (tests/data/anki-decks): pictures and sounds
are served from the collection's media folder only, whatever a request names.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import START
from tokendeck.collection import Collection
from tokendeck.formats.anki import read

DECKS = Path(__file__).parents[1] / "data" / "anki-decks"


def import_decks(path: Path, *names: str) -> None:
    with Collection.open(path, now=START, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for name in names:
            deck = DECKS / name / "deck.apkg"
            col.import_package(read(deck, source=str(deck)), now=START)


@pytest.fixture
def web_db(tmp_path: Path) -> Path:
    """A collection with two real Anki decks: pictures (algebra) and sounds (major-system)."""
    path = tmp_path / "web.db"
    import_decks(path, "algebra", "major-system")
    return path


@pytest.fixture
def media(web_db: Path) -> Path:
    return web_db.with_name("web.media")


def _a_file(media: Path, suffix: str) -> Path:
    return next(p for p in sorted(media.iterdir()) if p.suffix == suffix)


def test_a_deck_image_is_served_with_its_type_and_cache_headers(
    client: TestClient, media: Path
) -> None:
    image = _a_file(media, ".png")
    answer = client.get(f"/media/{quote(image.name)}")
    assert answer.status_code == 200
    assert answer.content == image.read_bytes()
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "max-age=" in answer.headers["cache-control"]
    again = client.get(
        f"/media/{quote(image.name)}", headers={"If-None-Match": answer.headers["etag"]}
    )
    assert again.status_code == 304 and not again.content


def test_a_sound_is_served_as_audio_and_can_be_sought_in(client: TestClient, media: Path) -> None:
    sound = _a_file(media, ".mp3")
    whole = client.get(f"/media/{quote(sound.name)}")
    assert whole.headers["content-type"] == "audio/mpeg"
    part = client.get(f"/media/{quote(sound.name)}", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206 and part.content == sound.read_bytes()[:10]


HOSTILE = [
    "../web.db",
    "..%2Fweb.db",
    "%2e%2e%2fweb.db",
    "..%5Cweb.db",
    "..",
    "%2e%2e",
    ".",
    ".hidden",
    "sub/dir.png",
    "%2Fetc%2Fpasswd",
    "//etc/passwd",
    "a%00.png",
    "a%0d%0aSet-Cookie:%20x=1",
    "x" * 300 + ".png",
    "missing.png",
    "",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_names_never_leave_the_media_folder(
    client: TestClient, media: Path, web_db: Path, name: str
) -> None:
    (media / ".hidden").write_bytes(b"secret")
    answer = client.get(f"/media/{name}")
    assert b"SQLite" not in answer.content and b"secret" not in answer.content
    if answer.url.path.startswith("/media/"):  # the client may resolve "/media/.." itself
        assert answer.status_code == 404, answer.text
    else:  # then it asked for another page, or for nothing
        assert answer.status_code == 404 or answer.headers["content-type"].startswith("text/html")


def test_a_link_out_of_the_folder_and_a_folder_are_not_served(
    client: TestClient, media: Path, web_db: Path
) -> None:
    os.symlink(web_db, media / "escape.png")
    (media / "folder.png").mkdir()
    for name in ("escape.png", "folder.png"):
        answer = client.get(f"/media/{name}")
        assert answer.status_code == 404
        assert answer.json()["error"]["code"] == "not_found"


def test_a_page_in_the_media_folder_is_only_a_download(client: TestClient, media: Path) -> None:
    (media / "page.html").write_text("<script>alert(1)</script>")
    (media / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    page = client.get("/media/page.html")
    assert page.headers["content-type"] == "application/octet-stream"
    assert page.headers["content-disposition"] == "attachment"
    svg = client.get("/media/drawing.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    assert "default-src 'none'" in svg.headers["content-security-policy"]


def test_the_study_page_gets_anki_cards_rendered_with_their_media(client: TestClient) -> None:
    cards = client.get("/api/v1/cards", params={"deck": "Major System", "limit": 50}).json()
    card = next(c for c in cards["cards"] if "<audio" in c["front_html"] + c["back_html"])
    assert card["format"] == "html" and card["whole_answer"]
    assert 'src="/media/' in card["front_html"] + card["back_html"]
    algebra = client.get("/api/v1/cards", params={"deck": "Algebra", "limit": 200}).json()
    pictured = [c for c in algebra["cards"] if "<img" in c["back_html"]]
    assert pictured
    src = pictured[0]["back_html"].split('src="', 1)[1].split('"', 1)[0]
    assert src.startswith("/media/")
    assert client.get(src).status_code == 200
    assert pictured[0]["css"] == "" or ".td-card" in pictured[0]["css"]


def test_check_media_lists_missing_and_unused_files(client: TestClient, media: Path) -> None:
    first = client.get("/api/v1/media/check").json()
    assert first["missing"] == [] and first["unused"] == []
    assert first["files"] == first["used"] > 100
    used = _a_file(media, ".png")
    used.rename(media / "moved-away.png")
    found = client.get("/api/v1/media/check").json()
    assert [m["name"] for m in found["missing"]] == [used.name]
    assert found["missing"][0]["note_ids"]
    assert found["unused"] == ["moved-away.png"]
