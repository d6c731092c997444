"""Import (preview, then confirm) and export through the JSON API."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import SEED

CSV = "hola,hello\nadiós,goodbye\ngracias,thank you\n".encode()


def upload(client: TestClient, path: str, data: bytes, name: str = "words.csv", **form: str) -> Any:
    return client.post(path, files={"file": (name, data, "text/csv")}, data=form)


def test_formats_list_says_what_each_can_do(client: TestClient) -> None:
    formats = {f["name"]: f for f in client.get("/api/v1/formats").json()}
    assert formats["csv"]["can_import"] and formats["csv"]["can_export"]
    assert formats["rawnotes"]["can_export"] is False


def test_preview_changes_nothing(client: TestClient) -> None:
    preview = upload(client, "/api/v1/import/preview", CSV)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert (body["format"], body["note_count"]) == ("csv", 3)
    assert body["notes"][1]["front"] == "adiós"
    assert client.get("/api/v1/cards").json()["total"] == len(SEED)


def test_import_then_import_again_updates_nothing_new(client: TestClient) -> None:
    first = upload(client, "/api/v1/import", CSV, deck="Greetings", mode="update").json()
    assert first["result"]["added"] == 3
    assert client.get("/api/v1/cards", params={"deck": "Greetings"}).json()["total"] == 3
    again = upload(client, "/api/v1/import", CSV, deck="Greetings", mode="skip").json()
    assert again["result"]["added"] == 0


def test_import_with_named_format(client: TestClient) -> None:
    markdown = b"## perro\n\ndog\n\n## gato\n\ncat\n"
    result = upload(client, "/api/v1/import", markdown, name="notes.txt", format="markdown")
    assert result.status_code == 200, result.text
    assert result.json()["format"] == "markdown"
    assert result.json()["result"]["added"] == 2


def test_too_large_upload_is_413(client: TestClient) -> None:
    big = b"a,b\n" * (70 * 1024 // 4)  # the test app allows 64 KiB
    body = upload(client, "/api/v1/import/preview", big).json()["error"]
    assert (body["status"], body["code"]) == (413, "too_large")
    assert "MiB" in body["message"] or "larger" in body["message"]


def test_unknown_format_and_bad_mode_are_400(client: TestClient) -> None:
    bad = upload(client, "/api/v1/import/preview", CSV, format="wordperfect")
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    mode = upload(client, "/api/v1/import", CSV, mode="merge")
    assert mode.status_code == 400
    missing = client.post("/api/v1/import/preview")
    assert missing.status_code == 400
    assert missing.json()["error"]["details"][0]["field"] == "file"


def test_malformed_file_is_400_bad_file(client: TestClient) -> None:
    broken = upload(client, "/api/v1/import/preview", b"PK\x03\x04garbage", name="deck.apkg")
    assert broken.status_code == 400, broken.text
    assert broken.json()["error"]["code"] == "bad_file"


@pytest.mark.parametrize("fmt", ["csv", "markdown", "quizlet", "apkg", "backup"])
def test_export_downloads_each_format(client: TestClient, fmt: str) -> None:
    response = client.get("/api/v1/export", params={"format": fmt, "deck": "Spanish"})
    assert response.status_code == 200, response.text
    assert "attachment" in response.headers["content-disposition"]
    assert response.content
    if fmt in ("csv", "markdown", "quizlet"):
        assert "el perro" in response.content.decode()


def test_export_round_trips_through_import(client: TestClient) -> None:
    exported = client.get("/api/v1/export", params={"format": "csv", "deck": "Maths"}).content
    preview = upload(client, "/api/v1/import/preview", exported, name="Maths.csv").json()
    assert preview["notes"][0]["front"] == "Area of a circle"


def test_export_errors(client: TestClient) -> None:
    assert client.get("/api/v1/export", params={"format": "rawnotes"}).status_code == 400
    assert client.get("/api/v1/export", params={"format": "csv", "deck": "Nope"}).status_code == 404
    assert client.get("/api/v1/export").status_code == 400
