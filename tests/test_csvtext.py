"""CSV / TSV / Anki text format: reading, errors, and write->read round trips."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tokendeck.errors import ImportFormatError, ValidationError
from tokendeck.formats import csvtext
from tokendeck.formats.options import ReadOptions, WriteOptions
from tokendeck.transfer.package import NoteRecord, Package


def read(text: str, **options: object) -> Package:
    return csvtext.read(text.encode("utf-8"), source="cards.csv", options=ReadOptions(**options))  # type: ignore[arg-type]


def test_anki_headers_set_separator_deck_tags_and_notetype() -> None:
    text = (
        "#separator:Semicolon\n#html:true\n#deck:Spanish::Verbs\n#tags:imported es\n"
        "#notetype:Basic (and reversed card)\n"
        "hablar;to speak\ncomer;to eat\n"
    )
    package = read(text)
    assert [(n.front, n.back) for n in package.notes] == [
        ("hablar", "to speak"),
        ("comer", "to eat"),
    ]
    note = package.notes[0]
    assert (note.deck, note.kind, note.tags, note.line) == (
        "Spanish::Verbs",
        "basic_reversed",
        ["imported", "es"],
        6,
    )


def test_column_headers_pick_guid_deck_notetype_and_tags() -> None:
    text = (
        "#separator:tab\n#guid column:1\n#notetype column:2\n#deck column:3\n#tags column:6\n"
        "abc\tCloze\tBio\tThe {{c1::cell}} is small\textra\tt1 t2\n"
    )
    note = read(text).notes[0]
    assert (note.guid, note.kind, note.deck, note.front, note.back, note.tags) == (
        "abc",
        "cloze",
        "Bio",
        "The {{c1::cell}} is small",
        "extra",
        ["t1", "t2"],
    )


def test_columns_header_names_the_columns() -> None:
    text = "#separator:comma\n#columns:Tags,Back,Front\nx y,world,hello\n"
    note = read(text).notes[0]
    assert (note.front, note.back, note.tags) == ("hello", "world", ["x", "y"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dog\tperro\ncat\tgato\n", [("dog", "perro"), ("cat", "gato")]),
        ("dog,perro\ncat,gato\n", [("dog", "perro"), ("cat", "gato")]),
        ("dog;perro, can\ncat;gato\n", [("dog", "perro, can"), ("cat", "gato")]),
        (
            "dog\ta pet, loyal; friendly\ncat\tgato\n",
            [("dog", "a pet, loyal; friendly"), ("cat", "gato")],
        ),
        ("dog|perro\ncat|gato\n", [("dog", "perro"), ("cat", "gato")]),
    ],
)
def test_plain_two_column_files_have_their_separator_sniffed(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(n.front, n.back) for n in read(text).notes] == expected


def test_header_row_is_recognised_and_skipped() -> None:
    package = read("Term,Definition,Tags\nhello,hola,greeting\n")
    assert [(n.front, n.back, n.tags, n.line) for n in package.notes] == [
        ("hello", "hola", ["greeting"], 2)
    ]


def test_quoted_fields_hold_separators_quotes_and_newlines() -> None:
    text = 'front,back\n"a, b","line one\nline ""two"""\nnext,x\n'
    notes = read(text).notes
    assert [(n.front, n.back, n.line) for n in notes] == [
        ("a, b", 'line one\nline "two"', 2),
        ("next", "x", 4),
    ]


def test_comment_lines_and_blank_lines_are_skipped() -> None:
    notes = read("# my cards\na\tb\n\n# more\nc\td\n").notes
    assert [(n.front, n.line) for n in notes] == [("a", 2), ("c", 5)]


def test_more_than_two_fields_are_kept_by_name() -> None:
    note = read("Front;Back;Extra\nmot;word;a noun\n").notes[0]
    # "Extra" is a back-ish name, so both later columns make up the back.
    assert note.front == "mot"
    assert note.back == "word\na noun"
    assert note.fields == {"Front": "mot", "Back": "word", "Extra": "a noun"}


def test_utf8_bom_and_crlf_are_accepted() -> None:
    data = "\ufeffhola\thello\r\nadiós\tgoodbye\r\n".encode()
    notes = csvtext.read(data, source="x.txt").notes
    assert [(n.front, n.back) for n in notes] == [("hola", "hello"), ("adiós", "goodbye")]


def test_options_give_default_deck_and_extra_tags() -> None:
    note = read("a\tb\n", deck="Mine", tags=("new",)).notes[0]
    assert (note.deck, note.tags) == ("Mine", ["new"])


def test_empty_front_rows_are_skipped_with_a_warning() -> None:
    package = read("a\tb\n\tlonely\n")
    assert len(package.notes) == 1
    assert "line 2" in package.warnings[0]


# --- errors -------------------------------------------------------------------


def test_wrong_column_count_names_the_line() -> None:
    with pytest.raises(ImportFormatError) as info:
        read("a\tb\nc\td\te\n")
    assert "cards.csv, line 2" in str(info.value)
    assert "expected 2 columns, found 3" in str(info.value)


def test_too_few_columns_names_the_line() -> None:
    with pytest.raises(ImportFormatError, match=r"line 3: expected 3 columns, found 2"):
        read("#separator:tab\n#columns:Front\tBack\tTags\nx\ty\n")


def test_bad_encoding_says_save_as_utf8() -> None:
    data = "caf\u00e9\tcoffee\n".encode("latin-1")
    with pytest.raises(ImportFormatError) as info:
        csvtext.read(data, source="old.txt")
    assert "old.txt, line 1" in str(info.value)
    assert "UTF-8" in str(info.value)


def test_a_note_type_of_the_users_own_is_kept_not_refused() -> None:
    # Issue 11: Anki's text export names the deck's own note type ("Basic+"); it imports.
    package = read("#notetype:Fancy\na\tb\n")
    (note,) = package.notes
    assert (note.note_type, note.format, note.fields) == (
        "Fancy",
        "html",
        {"Field 1": "a", "Field 2": "b"},
    )
    (note_type,) = package.note_types
    assert note_type.name == "Fancy" and note_type.inferred
    assert note_type.templates[0].question == "{{Field 1}}"


def test_empty_file_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="empty"):
        read("  \n\n")


def test_headers_only_file_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="no notes"):
        read("#separator:tab\n#html:false\n")


def test_file_with_no_separator_points_to_rawnotes() -> None:
    with pytest.raises(ImportFormatError, match="rawnotes"):
        read("just a line\nanother line\n")


def test_bad_column_number_is_refused() -> None:
    with pytest.raises(ImportFormatError, match="line 1: column number"):
        read("#tags column:zero\na\tb\n")


def test_writer_refuses_a_multi_character_separator() -> None:
    with pytest.raises(ValidationError):
        csvtext.write(Package(notes=[NoteRecord("a", "b")]), WriteOptions(separator="::"))


# --- round trips -----------------------------------------------------------------

# Arbitrary text, except NUL (no text editor keeps it) and the lone surrogates UTF-8 cannot encode.
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"))
FRONT = TEXT.filter(lambda s: s.strip() != "")
TAG = st.text(
    st.characters(blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc")), min_size=1, max_size=8
)
NOTES = st.lists(
    st.builds(
        NoteRecord,
        front=FRONT,
        back=TEXT,
        deck=st.sampled_from(["Default", "Deck::Sub", 'Ünïcode, "quoted"; deck']),
        kind=st.sampled_from(["basic", "basic_reversed", "type_in", "cloze"]),
        guid=st.one_of(st.none(), st.text("abcdefXYZ0123+/", min_size=1, max_size=10)),
        tags=st.lists(TAG, max_size=3, unique=True),
    ),
    min_size=1,
    max_size=8,
)


def _essence(package: Package) -> list[tuple[object, ...]]:
    return [(n.front, n.back, n.deck, n.kind, n.guid, n.tags) for n in package.notes]


@settings(max_examples=300, deadline=None)
@given(notes=NOTES, separator=st.sampled_from(["\t", ",", ";", "|", ":", " "]))
def test_round_trip_keeps_every_note_exactly(notes: list[NoteRecord], separator: str) -> None:
    package = Package(notes=notes)
    data = csvtext.write(package, WriteOptions(separator=separator))
    assert _essence(csvtext.read(data, source="rt.txt")) == _essence(package)


@settings(max_examples=100, deadline=None)
@given(
    rows=st.lists(st.tuples(FRONT, TEXT), min_size=1, max_size=6),
    separator=st.sampled_from(["\t", ",", ";"]),
)
def test_spreadsheet_style_files_round_trip_with_the_separator_given(
    rows: list[tuple[str, str]], separator: str
) -> None:
    # A first row like "Front,Back" is meant to be read as a header, so leave those out.
    assume(not csvtext._looks_like_header(list(rows[0])))
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerows(rows)
    package = csvtext.read(
        out.getvalue().encode(), source="sheet.csv", options=ReadOptions(separator=separator)
    )
    assert [(n.front, n.back) for n in package.notes] == rows


# --- interoperability with Anki's own importer and exporter -------------------------------


@pytest.mark.anki
def test_anki_imports_our_export_and_we_read_its_export(tmp_path: Path) -> None:
    """Our file -> Anki's CSV importer -> Anki's "Notes in Plain Text" export -> our reader."""
    from anki.collection import Collection, ImportCsvRequest

    package = Package(
        notes=[
            NoteRecord("hola", 'hello, "friend"\nline', deck="Spanish::Greetings", guid="abc123",
                       tags=["es", "greet"]),
            NoteRecord("#hash first", "x\ty", deck="Words", kind="basic_reversed", guid="def456"),
            NoteRecord("The {{c1::cell}} is small", "extra", deck="Bio", kind="cloze", guid="ghi7"),
        ]
    )  # fmt: skip
    ours = tmp_path / "ours.txt"
    ours.write_bytes(csvtext.write(package))
    anki = Collection(str(tmp_path / "collection.anki2"))
    try:
        metadata = anki.get_csv_metadata(str(ours), None)
        log = anki.import_csv(ImportCsvRequest(path=str(ours), metadata=metadata))
        assert len(log.log.new) == 3
        exported = tmp_path / "anki.txt"
        anki.export_note_csv(
            out_path=str(exported),
            limit=None,
            with_html=True,
            with_tags=True,
            with_deck=True,
            with_notetype=True,
            with_guid=True,
        )
    finally:
        anki.close()
    again = csvtext.read(exported.read_bytes(), source="anki.txt")
    by_guid = {n.guid: n for n in again.notes}
    assert {g: _essence(Package(notes=[n]))[0] for g, n in by_guid.items()} == {
        n.guid: _essence(Package(notes=[n]))[0] for n in package.notes
    }
