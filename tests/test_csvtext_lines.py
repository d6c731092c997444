"""CSV line numbers on each of the reader's paths: one record per line, records spanning
lines, comments between rows, and text with line breaks that only ``str.splitlines`` knows."""

from __future__ import annotations

from tokendeck.formats import csvtext


def _read(text: str) -> list[tuple[str, str, int | None]]:
    package = csvtext.read(text.encode("utf-8"), source="cards.csv")
    return [(n.front, n.back, n.line) for n in package.notes]


def test_one_record_per_line_counts_blank_lines_and_headers() -> None:
    text = "#separator:comma\n#deck:D\na,1\n\nb,2\r\nc,3\rd,4"
    assert _read(text) == [("a", "1", 3), ("b", "2", 5), ("c", "3", 6), ("d", "4", 7)]


def test_a_quoted_field_over_several_lines_moves_the_later_lines_on() -> None:
    text = 'a,"one\r\ntwo\nthree"\n\nb,2\n'
    assert _read(text) == [("a", "one\r\ntwo\nthree", 1), ("b", "2", 5)]


def test_unicode_line_separators_stay_inside_a_field() -> None:
    # str.splitlines() would break at these; the csv module (and Anki) does not.
    text = "a\u2028x,1\u2029y\x0cz\nb,2\x1c3\n"
    assert _read(text) == [("a\u2028x", "1\u2029y\x0cz", 1), ("b", "2\x1c3", 2)]


def test_comment_lines_between_rows_keep_the_numbering() -> None:
    text = "a,1\n# a comment\nb,2\n"
    assert _read(text) == [("a", "1", 1), ("b", "2", 3)]
