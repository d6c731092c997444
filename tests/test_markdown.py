"""Markdown cards: the documented syntax, its errors, and exact round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.errors import ImportFormatError
from tokendeck.formats import markdown
from tokendeck.formats.options import ReadOptions
from tokendeck.transfer.package import NoteRecord, Package

EXAMPLE = """\
# LLM vocabulary
deck: LLM::Basics
tags: llm basics

## Transformer
A neural network architecture.

It relies on attention.

Q: What does GPT
stand for?
A: Generative pre-trained transformer.

kind: reversed
tags:
## token
a piece of text

C: The {{c1::Pile}} is an {{c2::825 GiB}} dataset.
A: made by EleutherAI

C: [T5] was released in [2020].
"""


def read(text: str, **options: object) -> Package:
    data = text.encode("utf-8")
    return markdown.read(data, source="cards.md", options=ReadOptions(**options))  # type: ignore[arg-type]


def test_example_reads_every_kind_of_block() -> None:
    notes = read(EXAMPLE).notes
    got = [(n.kind, n.front, n.back, n.deck, n.tags, n.line) for n in notes]
    assert got == [
        (
            "basic",
            "Transformer",
            "A neural network architecture.\n\nIt relies on attention.",
            "LLM::Basics",
            ["llm", "basics"],
            5,
        ),
        (
            "basic",
            "What does GPT\nstand for?",
            "Generative pre-trained transformer.",
            "LLM::Basics",
            ["llm", "basics"],
            10,
        ),
        ("basic_reversed", "token", "a piece of text", "LLM::Basics", [], 16),
        (
            "cloze",
            "The {{c1::Pile}} is an {{c2::825 GiB}} dataset.",
            "made by EleutherAI",
            "LLM::Basics",
            [],
            19,
        ),
        ("cloze", "{{c1::T5}} was released in {{c2::2020}}.", "", "LLM::Basics", [], 22),
    ]


def test_markers_are_case_insensitive_and_backslash_escapes_them() -> None:
    note = read("q: Which line?\na: this one\n\\A: not an answer\n\\\\x\n").notes[0]
    assert (note.front, note.back) == ("Which line?", "this one\nA: not an answer\n\\x")


def test_default_deck_and_extra_tags_come_from_options() -> None:
    note = read("## a\nb\n", deck="Mine", tags=("new",)).notes[0]
    assert (note.deck, note.tags) == ("Mine", ["new"])


def test_text_outside_cards_is_reported_not_imported() -> None:
    package = read("Some intro.\n\n## a\nb\n")
    assert len(package.notes) == 1
    assert package.warnings == ["cards.md, line 1: text outside any card was ignored"]


def test_markdown_links_are_not_cloze_brackets() -> None:
    note = read("C: See [the paper](https://arxiv.org) about [attention].\n").notes[0]
    assert note.front == "See [the paper](https://arxiv.org) about {{c1::attention}}."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## Lonely term\n\n## next\ndef\n", r"line 1: no definition below '## Lonely term'"),
        ("Q: where is the answer?\n\n", r"line 1: 'Q:' has no 'A:' answer"),
        ("## t\nd\nA: stray\n", r"line 3: 'A:' without a 'Q:' or 'C:'"),
        ("C: nothing hidden here\n", r"line 1: 'C:' has no cloze"),
        ("kind: fancy\n## a\nb\n", r"line 1: unknown card kind 'fancy'"),
        ("Q:\nA: answer without question\n", r"line 1: the card has no front"),
        ("just prose\n", r"no cards found"),
        ("\n\n", r"the file is empty"),
    ],
)
def test_mistakes_are_reported_with_their_line(text: str, message: str) -> None:
    with pytest.raises(ImportFormatError, match=message):
        read(text)


def test_bad_encoding_is_refused_with_a_hint() -> None:
    with pytest.raises(ImportFormatError, match="UTF-8"):
        markdown.read("## caf\u00e9\nx".encode("latin-1"), source="cards.md")


def test_written_file_is_the_documented_syntax() -> None:
    package = Package(
        notes=[
            NoteRecord("hablar", "to speak", deck="Spanish", tags=["verb"]),
            NoteRecord("Q: tricky", "## also tricky\nok", deck="Spanish", kind="basic_reversed"),
        ]
    )
    assert markdown.write(package).decode() == (
        "deck: Spanish\ntags: verb\n\n## hablar\nto speak\n\n"
        "tags:\nkind: reversed\n\n## Q: tricky\n\\## also tricky\nok\n"
    )


# --- round trips -----------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)))


def canonical(text: str) -> str:
    """What the format keeps: Windows line ends become \\n, fields are trimmed."""
    return text.replace("\r\n", "\n").strip()


MARKERS = ["## x", "# t", "Q: y", "a: z", "C: [w]", "Deck: d", "\\", "\\## e", "tags: t", "kind: x"]
# Lines of arbitrary text mixed with lines that look like markers, so escaping is exercised.
SIDE = st.lists(st.one_of(TEXT, st.sampled_from(MARKERS)), max_size=4).map(
    lambda lines: canonical("\n".join(lines))
)
FRONT = SIDE.filter(bool)
CLOZE = st.tuples(SIDE, FRONT, SIDE).map(lambda t: canonical(f"{t[0]} {{{{c1::{t[1]}}}}} {t[2]}"))
TAG = st.text(st.characters(blacklist_categories=("Cs", "Z", "Cc")), min_size=1, max_size=6)
BASIC = st.builds(
    NoteRecord,
    front=FRONT,
    back=SIDE,
    kind=st.sampled_from(["basic", "basic_reversed", "type_in"]),
    deck=st.sampled_from(["Default", "A::B", "Ünï code"]),
    tags=st.lists(TAG, max_size=3, unique=True),
)
CLOZES = st.builds(
    NoteRecord,
    front=CLOZE,
    back=SIDE,
    kind=st.just("cloze"),
    deck=st.sampled_from(["Default", "A::B"]),
    tags=st.lists(TAG, max_size=2, unique=True),
)


def essence(package: Package) -> list[tuple[object, ...]]:
    return [(n.front, n.back, n.kind, n.deck, n.tags) for n in package.notes]


@settings(max_examples=200, deadline=None)
@given(notes=st.lists(st.one_of(BASIC, CLOZES), min_size=1, max_size=8))
def test_round_trip_is_exact_for_canonical_text(notes: list[NoteRecord]) -> None:
    package = Package(notes=notes)
    assert essence(markdown.read(markdown.write(package), source="rt.md")) == essence(package)


@settings(max_examples=100, deadline=None)
@given(
    lines=st.lists(
        st.sampled_from(
            [
                "## x",
                "Q: y",
                "A: z",
                "C: [w]",
                "deck: d",
                "\\",
                "#",
                "tags: t",
                "kind: basic",
                "plain",
            ]
        ),
        max_size=6,
    )
)
def test_any_marker_lines_inside_a_definition_survive(lines: list[str]) -> None:
    back = canonical("\n".join(["start", *lines]))
    package = Package(notes=[NoteRecord("term", back)])
    assert markdown.read(markdown.write(package), source="rt.md").notes[0].back == back
