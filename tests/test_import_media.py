"""An import's media (issue 11): staged, moved in only when the import commits, renamed as
Anki renames them when a different file has the name, and nothing left by a failure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.collection import Collection
from tokendeck.errors import StorageError
from tokendeck.storage.bulk import Bulk
from tokendeck.transfer.media import rewrite_references
from tokendeck.transfer.package import (
    MediaFile,
    NoteRecord,
    NoteTypeRecord,
    Package,
    TemplateRecord,
)

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
OURS, THEIRS = b"\x89PNG ours", b"\x89PNG theirs, a different picture"


@pytest.fixture
def col(tmp_path: Path) -> Iterator[Collection]:
    collection = Collection.open(tmp_path / "c.db", now=NOW, install_builtin=False)
    yield collection
    collection.close()


def package(data: bytes, *, name: str = "cat.png") -> Package:
    note_type = NoteTypeRecord(
        "Picture",
        ["Front", "Back"],
        [TemplateRecord("Card 1", "{{Front}}", "{{FrontSide}}<hr id=answer>{{Back}}")],
    )
    anki = NoteRecord(
        front=f'<img src="{name}">',
        back="a cat",
        deck="Pets",
        guid="anki-1",
        fields={"Front": f'<img src="{name}"> and [sound:{name}]', "Back": "a cat"},
        note_type="Picture",
        format="html",
    )
    markdown = NoteRecord(front=f"![a cat]({name})", back="a cat, in Markdown", deck="Pets")
    return Package(
        notes=[anki, markdown],
        note_types=[note_type],
        media=[MediaFile(name, data)],
        source="pets.apkg",
        match="guid",
    )


def files(col: Collection) -> dict[str, bytes]:
    folder = col.media_dir()
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}


def test_a_clashing_name_is_renamed_and_the_notes_follow(col: Collection) -> None:
    col.media_dir().mkdir()
    (col.media_dir() / "cat.png").write_bytes(OURS)
    result = col.import_package(package(THEIRS), now=NOW)
    renamed = f"cat-{hashlib.sha1(THEIRS).hexdigest()}.png"
    assert result.renamed_media == {"cat.png": renamed}
    assert files(col) == {"cat.png": OURS, renamed: THEIRS}
    views = col.find_cards(now=NOW)
    anki = next(v for v in views if v.is_html)
    assert anki.note.fields["Front"] == f'<img src="{renamed}"> and [sound:{renamed}]'
    assert f'src="/media/{renamed}"' in anki.face.question_html
    markdown = next(v for v in views if not v.is_html)
    assert markdown.note.front == f"![a cat]({renamed})"
    assert col.check_media().missing == {}
    assert any("kept as" in w for w in result.warnings)


def test_the_same_file_again_is_neither_copied_nor_renamed(col: Collection) -> None:
    col.import_package(package(THEIRS), now=NOW)
    again = col.import_package(package(THEIRS), now=NOW)
    assert again.renamed_media == {} and files(col) == {"cat.png": THEIRS}


def test_a_failing_import_leaves_no_media_behind(
    col: Collection, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise StorageError("disk full (simulated)")

    monkeypatch.setattr(Bulk, "insert_new_cards", broken)  # after the media are staged
    with pytest.raises(StorageError):
        col.import_package(package(THEIRS), now=NOW)
    assert files(col) == {}
    assert col.is_empty()
    leftovers = [p.name for p in col.media_dir().parent.iterdir() if "import" in p.name]
    assert leftovers == []


def test_references_are_rewritten_in_every_form() -> None:
    renamed = {"a b.png": "a b-1.png", "x&y.mp3": "x&y-2.mp3"}
    text = (
        "<img src=\"a b.png\"> <img src='a b.png'> <img src=a.png> [sound:x&y.mp3]"
        ' <audio src="x&amp;y.mp3"></audio> url("a b.png") ![p](<a b.png>) <img src="other.png">'
    )
    assert rewrite_references(text, renamed) == (
        "<img src=\"a b-1.png\"> <img src='a b-1.png'> <img src=a.png> [sound:x&y-2.mp3]"
        ' <audio src="x&amp;y-2.mp3"></audio> url("a b-1.png") ![p](<a b-1.png>)'
        ' <img src="other.png">'
    )
