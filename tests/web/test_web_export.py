"""Every export the Import / Export page offers, for the whole collection and for one deck.

Issue 11: "Whole collection" sent an empty deck and got a raw 400. Each download
here is checked for what it must hold: the right name and type, every note, and
(for files TokenDeck reads back) the same notes when read again.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SEED, START
from tests.web.test_web_media import import_decks
from tokendeck.collection import Collection
from tokendeck.formats import registry


@pytest.fixture
def web_db(tmp_path: Path) -> Path:
    """The usual seed cards plus a real Anki deck with pictures."""
    path = tmp_path / "web.db"
    with Collection.open(path, now=START, install_builtin=False) as col:
        col.update_settings(timezone="UTC")
        for deck, front, back, tags in SEED:
            col.add_note(deck, front, back, now=START, tags=tags)
    import_decks(path, "algebra")
    return path


def offered(client: TestClient) -> tuple[list[str], list[str]]:
    """The formats (button values) and decks (option values) of the export form."""
    page = client.get("/transfer").text
    form = page[page.index('id="export-form"') :]
    formats = re.findall(r'name="format" value="([^"]+)"', form)
    select = form[: form.index("</select>")]
    decks = [
        m or t for m, t in re.findall(r"<option(?: value=\"([^\"]*)\")?>([^<]*)</option>", select)
    ]
    decks[0] = ""  # "Whole collection" has value ""
    return formats, decks


def test_the_page_offers_every_exportable_format(client: TestClient) -> None:
    formats, decks = offered(client)
    assert formats == [f.name for f in registry.formats() if f.can_export]
    assert {"apkg", "colpkg", "csv", "markdown", "quizlet", "backup", "html"} <= set(formats)
    assert decks[0] == "" and "Algebra" in decks and "Spanish" in decks


@pytest.mark.parametrize("deck", ["", "Algebra", "Spanish"])
@pytest.mark.parametrize("fmt", [f.name for f in registry.formats() if f.can_export])
def test_every_offered_export_downloads(
    client: TestClient, fmt: str, deck: str, tmp_path: Path
) -> None:
    answer = client.get("/api/v1/export", params={"format": fmt, "deck": deck, "scheduling": True})
    assert answer.status_code == 200, answer.text
    chosen = registry.get(fmt)
    stem = deck or "collection"
    disposition = answer.headers["content-disposition"]
    assert disposition == f'attachment; filename="{stem}{chosen.extensions[0]}"'
    assert answer.headers["content-type"].startswith(chosen.media_type)
    expected = {"": 114, "Algebra": 110, "Spanish": 3}[deck]
    if fmt == "html":
        assert answer.text.count('class="card-pair"') == expected
        if deck != "Spanish":
            assert "data:image/" in answer.text  # pictures travel inside the page
        return
    if not chosen.can_import:
        return
    path = tmp_path / f"download{chosen.extensions[0]}"
    path.write_bytes(answer.content)
    _, package = registry.read_file(path, format=fmt)
    assert len(package.notes) == expected
    if fmt in ("apkg", "colpkg", "backup") and deck != "Spanish":
        assert len(package.media) == 106  # every picture the Algebra notes use


def test_a_bad_format_is_the_one_error_shape(client: TestClient) -> None:
    answer = client.get("/api/v1/export", params={"format": "pdf", "deck": ""})
    assert answer.status_code == 400
    assert answer.json()["error"]["message"].startswith("unknown format 'pdf'")
