"""The format registry: names, detection from content and extension, reading and writing."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats import backup, registry
from tokendeck.transfer.package import NoteRecord, Package

SEED = (
    Path(__file__).resolve().parents[1] / ".." / "shared" / "seed" / "llm-vocabulary-flashcards.txt"
)


def detect(text: str, name: str = "file.txt") -> str:
    return registry.detect(text.encode("utf-8"), name).name


@pytest.mark.parametrize(
    ("text", "name", "expected"),
    [
        ("#separator:tab\na\tb\n", "x.txt", "csv"),
        ("#deck:Spanish\na;b\n", "x.txt", "csv"),
        ("dog\tperro\ncat\tgato\n", "x.txt", "csv"),
        ("Front,Back\ndog,perro\n", "x.txt", "csv"),
        ("anything at all", "x.csv", "csv"),
        ("anything at all", "x.tsv", "csv"),
        ("## term\ndefinition\n", "x.txt", "markdown"),
        ("Q: what?\nA: that\n", "notes", "markdown"),
        ("deck: D\n\nC: The {{c1::cell}} is small\n", "x.txt", "markdown"),
        ("C: [T5] came out in [2020]\n", "x.txt", "markdown"),
        ("just text", "x.md", "markdown"),
        ("perro,dog;gato,cat;", "set.txt", "quizlet"),
        ("perro/////dog, a pet\ngato/////cat\n", "set.txt", "quizlet"),
        ("perro - dog\ngato - cat\n", "set.txt", "quizlet"),
        ("#flashcards\n\nperro::dog\n", "notes.md", "obsidian"),
        ("What is it?\n?\nA dog.\n", "notes.md", "obsidian"),
        ("Levain\nA portion of starter, built up.\nAutolyse\nResting flour, water.\n", "n.txt",
         "rawnotes"),
    ],
)  # fmt: skip
def test_text_formats_are_detected(text: str, name: str, expected: str) -> None:
    assert detect(text, name) == expected


@pytest.mark.skipif(not SEED.exists(), reason="shared seed notes not present")
def test_seed_notes_are_detected_as_raw_notes() -> None:
    assert registry.detect_file(SEED).name == "rawnotes"


def zip_file(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name in names:
            archive.writestr(name, b"x")
    return path


def test_zip_formats_are_told_apart_by_their_members(tmp_path: Path) -> None:
    assert registry.detect_file(zip_file(tmp_path / "a.apkg", ["collection.anki21"])).name == "apkg"
    assert registry.detect_file(zip_file(tmp_path / "a.zip", ["collection.anki2"])).name == "apkg"
    colpkg = zip_file(tmp_path / "a.colpkg", ["collection.anki21b", "meta"])
    assert registry.detect_file(colpkg).name == "colpkg"
    assert registry.detect_file(zip_file(tmp_path / "b.zip", [backup.DOCUMENT])).name == "backup"


def test_a_zip_of_something_else_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="neither an Anki package nor a TokenDeck backup"):
        registry.detect_file(zip_file(tmp_path / "x.zip", ["photo.jpg"]))


def test_a_renamed_text_file_is_not_taken_for_a_package(tmp_path: Path) -> None:
    fake = tmp_path / "deck.apkg"
    fake.write_text("not a zip")
    with pytest.raises(ImportFormatError, match=r"deck\.apkg: not a zip archive"):
        registry.detect_file(fake)


def test_names_and_aliases() -> None:
    assert registry.get("TSV").name == "csv"
    assert registry.get("md").name == "markdown"
    assert registry.get("anki").name == "apkg"
    with pytest.raises(ValidationError, match="unknown format 'docx'"):
        registry.get("docx")
    with pytest.raises(ValidationError, match="only be imported"):
        registry.for_export("rawnotes")
    assert {f.name for f in registry.formats() if f.can_export} == {
        "csv",
        "quizlet",
        "markdown",
        "apkg",
        "colpkg",
        "backup",
        "html",
    }


def test_guess_export_format_from_the_file_name() -> None:
    assert registry.guess_export_format(Path("out.md")) == "markdown"
    assert registry.guess_export_format(Path("out.apkg")) == "apkg"
    assert registry.guess_export_format(Path("out.tsv")) == "csv"
    assert registry.guess_export_format(Path("out.docx")) is None


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no such file"):
        registry.read_file(tmp_path / "nope.csv")


@pytest.mark.parametrize("name", ["csv", "quizlet", "markdown", "apkg", "backup"])
def test_every_writable_format_reads_back_through_the_registry(name: str, tmp_path: Path) -> None:
    package = Package(notes=[NoteRecord("front one", "back one"), NoteRecord("two", "2")])
    suffix = registry.get(name).extensions[0]
    target = tmp_path / f"out{suffix}"
    registry.write_file(package, target, name)
    found, again = registry.read_file(target, format=None if name != "quizlet" else "quizlet")
    assert found.name == name
    assert [(n.front, n.back) for n in again.notes] == [("front one", "back one"), ("two", "2")]
    data = registry.write_bytes(package, name)
    fmt, from_bytes = registry.read_bytes(
        data, target.name, format=None if name != "quizlet" else name
    )
    assert fmt.name == name and len(from_bytes.notes) == 2
    assert not list(tmp_path.glob("*.partial"))


def test_bytes_that_claim_to_be_zip_but_are_not(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="not a readable zip archive"):
        registry.read_bytes(b"PK\x03\x04 broken", "x.apkg")


# What our own writers produce must be detected as that format, whatever the text.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
NOTE = st.builds(
    NoteRecord,
    front=TEXT.filter(lambda s: s.strip() != ""),
    back=TEXT,
    kind=st.sampled_from(["basic", "basic_reversed", "type_in", "cloze"]),
    deck=st.sampled_from(["Default", "A::B"]),
)


@settings(max_examples=150, deadline=None)
@given(notes=st.lists(NOTE, min_size=1, max_size=5), name=st.sampled_from(["csv", "markdown"]))
def test_our_own_text_exports_are_detected_as_themselves(
    notes: list[NoteRecord], name: str
) -> None:
    data = registry.write_bytes(Package(notes=notes), name)
    assert registry.detect(data, "export.txt").name == name


def test_a_separator_on_every_line_is_used_without_flags(tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("le chat/////the cat, a pet\nle chien/////the dog\n", encoding="utf-8")
    found, package = registry.read_file(path)
    assert found.name == "quizlet"
    assert [(n.front, n.back) for n in package.notes] == [
        ("le chat", "the cat, a pet"),
        ("le chien", "the dog"),
    ]


def test_guesses_say_how_sure_they_are() -> None:
    sure = registry.guess(b"a/////b\nc/////d\n", "x.txt")
    assert (sure.format, sure.separator, sure.sure) == ("quizlet", "/////", True)
    unsure = registry.guess(b"a/////b\nsome notes here\nc/////d\nmore notes\n", "x.txt")
    assert (unsure.format, unsure.sure) == ("rawnotes", False)
    assert ("quizlet", "/////") in unsure.alternatives
    assert registry.guess(b"PK\x03\x04", "x.zip", archive_names=["collection.anki2"]).sure


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("perro,dog;gato,cat, feline;", [("perro", "dog"), ("gato", "cat, feline")]),
        ("perro\tdog;gato\tcat", [("perro", "dog"), ("gato", "cat")]),
        ("hola - hello;gato - cat;casa - house", [("hola", "hello"), ("gato", "cat"),
                                                  ("casa", "house")]),
        ("perro\tdog\ngato\tcat\n", [("perro", "dog"), ("gato", "cat")]),
        ("perro/////dog, a pet\ngato/////cat\n", [("perro", "dog, a pet"), ("gato", "cat")]),
        ("perro :: dog\ngato :: cat\n", [("perro", "dog"), ("gato", "cat")]),
    ],
)  # fmt: skip
def test_quizlet_exports_read_without_flags(text: str, expected: list[tuple[str, str]]) -> None:
    """Each of Quizlet's export layouts (its two row choices, tab, comma or custom between
    term and definition) imports with no --format or separators given."""
    _, package = registry.read_bytes(text.encode(), "set.txt")  # tab/newline reads as TSV
    assert [(n.front, n.back) for n in package.notes] == expected


def test_excel_unicode_text_reads_without_flags() -> None:
    """Excel's "Unicode text" save: UTF-16 with a BOM, tabs, CRLF, a header row."""
    rows = ["Front\tBack\tTags", "café\tcoffee\tfr food", "€\teuro\tmoney"]
    _, package = registry.read_bytes("\r\n".join(rows).encode("utf-16"), "words.txt")
    assert [(n.front, n.back, n.tags) for n in package.notes] == [
        ("café", "coffee", ["fr", "food"]),
        ("€", "euro", ["money"]),
    ]


def test_old_mac_line_endings_read_as_lines() -> None:
    _, package = registry.read_bytes(b"Front,Back\rdog,perro\rcat,gato\r", "words.csv")
    assert [(n.front, n.back) for n in package.notes] == [("dog", "perro"), ("cat", "gato")]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300), st.sampled_from(["x.txt", "x.csv", "x.md", "x"]))
def test_guessing_any_bytes_names_a_format_or_says_why(head: bytes, name: str) -> None:
    try:
        found = registry.guess(head, name)
    except ImportFormatError:
        return
    assert registry.get(found.format).name == found.format
