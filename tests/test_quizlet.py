"""Quizlet text: both separators, both directions, and the errors."""

from __future__ import annotations

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats import quizlet
from tokendeck.formats.options import ReadOptions, WriteOptions
from tokendeck.transfer.package import NoteRecord, Package


def pairs(package: Package) -> list[tuple[str, str]]:
    return [(n.front, n.back) for n in package.notes]


def test_default_export_is_tab_and_newline() -> None:
    package = quizlet.read(b"perro\tdog\ngato\tcat\n", source="set.txt")
    assert pairs(package) == [("perro", "dog"), ("gato", "cat")]
    assert [n.line for n in package.notes] == [1, 2]


def test_comma_and_semicolon_are_guessed() -> None:
    package = quizlet.read(b"perro,dog;gato,cat, feline;", source="set.txt")
    assert pairs(package) == [("perro", "dog"), ("gato", "cat, feline")]


@pytest.mark.parametrize(
    ("data", "term", "row", "expected"),
    [
        (b"a - b\n\nc - d\n", "dash", "newline", [("a", "b"), ("c", "d")]),
        (b"a::b||c::d", "::", "||", [("a", "b"), ("c", "d")]),
        (b"a\tb\nmore\n\nc\td", "tab", "\\n\\n", [("a", "b\nmore"), ("c", "d")]),
        (b"a,b;c,d", "comma", "semicolon", [("a", "b"), ("c", "d")]),
    ],
)
def test_custom_separators(
    data: bytes, term: str, row: str, expected: list[tuple[str, str]]
) -> None:
    options = ReadOptions(separator=term, row_separator=row)
    assert pairs(quizlet.read(data, source="set.txt", options=options)) == expected


def test_deck_and_tags_come_from_options() -> None:
    note = quizlet.read(b"a\tb", source="s", options=ReadOptions(deck="Q", tags=("x",))).notes[0]
    assert (note.deck, note.tags) == ("Q", ["x"])


def test_row_without_separator_names_its_line() -> None:
    with pytest.raises(ImportFormatError, match=r"set.txt, line 3: no tab between term"):
        quizlet.read(b"a\tb\n\nlonely\n", source="set.txt")


def test_empty_file_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        quizlet.read(b"\n\n", source="set.txt")


def test_bad_encoding_is_refused_with_a_hint() -> None:
    with pytest.raises(ImportFormatError, match="UTF-8"):
        quizlet.read("niño\tboy".encode("cp1252"), source="set.txt")


def test_same_separators_are_refused() -> None:
    with pytest.raises(ImportFormatError, match="different"):
        quizlet.read(b"a,b", source="s", options=ReadOptions(separator=",", row_separator=","))


def test_writer_refuses_text_it_could_not_read_back() -> None:
    package = Package(notes=[NoteRecord("two\nlines", "b")])
    with pytest.raises(ValidationError, match="separator"):
        quizlet.write(package)


def test_writer_refuses_a_separator_formed_across_the_boundary() -> None:
    package = Package(notes=[NoteRecord(":", "0")])
    with pytest.raises(ValidationError, match="note 1"):
        quizlet.write(package, WriteOptions(separator="::"))
    rows = Package(notes=[NoteRecord("a", "b|"), NoteRecord("c", "d")])
    with pytest.raises(ValidationError):
        quizlet.write(rows, WriteOptions(row_separator="||"))


def test_writer_uses_the_chosen_separators() -> None:
    package = Package(notes=[NoteRecord("a", "b"), NoteRecord("c", "d")])
    data = quizlet.write(package, WriteOptions(separator="comma", row_separator="semicolon"))
    assert data == b"a,b;c,d"


SEPARATORS = st.sampled_from([("\t", "\n"), (",", ";"), (" - ", "\n\n"), ("::", "||")])
# The reader turns Windows line ends into "\n" and trims each field, so compare in that form.
WORD = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1).map(
    lambda s: s.replace("\r\n", "\n").strip()
)


@settings(max_examples=200, deadline=None)
@given(data=st.data(), seps=SEPARATORS)
def test_round_trip(data: st.DataObject, seps: tuple[str, str]) -> None:
    term_sep, row_sep = seps
    front = WORD.filter(lambda s: s != "" and term_sep not in s and row_sep not in s)
    back = WORD.filter(lambda s: s != "" and row_sep not in s)
    rows = data.draw(st.lists(st.tuples(front, back), min_size=1, max_size=6))
    package = Package(notes=[NoteRecord(f, b) for f, b in rows])
    options = WriteOptions(separator=term_sep, row_separator=row_sep)
    try:
        written = quizlet.write(package, options)
    except ValidationError:
        reject()  # refusing is allowed; writing something that reads back differently is not
    read_back = quizlet.read(
        written, source="rt", options=ReadOptions(separator=term_sep, row_separator=row_sep)
    )
    assert pairs(read_back) == rows
