"""The packaged "LLM Vocabulary" deck: content rules and the loader's checks."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import pytest

from tokendeck.builtin.deck import (
    ALLOWED_TAGS,
    BUILTIN_DECK_NAME,
    BuiltinDeckError,
    builtin_version,
    load_builtin,
    parse_builtin,
)
from tokendeck.collection import Collection
from tokendeck.errors import TokenDeckError
from tokendeck.formats import rawnotes
from tokendeck.transfer.package import NoteRecord

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
SEED = Path(__file__).parent / "data" / "rawnotes" / "llm-vocabulary-flashcards.txt"

#: The first line of every entry in the seed notes, in order, verbatim.
SEED_HEADINGS = [
    "What is a T5 model?",
    "What is the Pile dataset?",
    "Why is the Pile a good training set?",
    "Why is the Pile a good benchmark?",
    "What does GTP stand for?",
    "GPT-J",
    "Transformers",
    "ViT",
    "HCI",
    "Data poisoning",
    "DALL-E 2",
    "CLIP",
    "GLIDE",
    "Diffusion model",
    "In-painting",
    "Out-painting",
    "Multi-model",
]

#: The fronts: the seed headings spelled correctly (issue 11).
FRONTS = [
    *SEED_HEADINGS[:4],
    "What does GPT stand for?",
    *SEED_HEADINGS[5:14],
    "Inpainting",
    "Outpainting",
    "Multi-modal",
]

#: Entries whose facts were corrected or completed: source_note must say how.
CORRECTED = {1, 2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 17}


def _raw_toml() -> dict[str, object]:
    text = resources.files("tokendeck").joinpath("data/llm-vocabulary.toml").read_text("utf-8")
    return tomllib.loads(text)


def _notes() -> list[NoteRecord]:
    return load_builtin().package.notes


def _by_entry(entry: int) -> NoteRecord:
    return _notes()[entry - 1]


def test_deck_header() -> None:
    deck = load_builtin()
    assert deck.deck == BUILTIN_DECK_NAME == "LLM Vocabulary"
    assert deck.version >= 1
    assert deck.description
    assert [d.name for d in deck.package.decks] == [BUILTIN_DECK_NAME]
    assert deck.package.source == "llm-vocabulary-flashcards.txt"


def test_seventeen_basic_notes_in_the_deck() -> None:
    notes = _notes()
    assert len(notes) == 17
    assert {n.deck for n in notes} == {BUILTIN_DECK_NAME}
    assert {n.kind for n in notes} == {"basic"}


def test_every_seed_heading_accounted_for_in_order() -> None:
    seed_lines = SEED.read_text("utf-8").splitlines()
    raw = _raw_toml()["notes"]
    assert isinstance(raw, list)
    assert [n["source_heading"] for n in raw] == SEED_HEADINGS
    assert [n["source_entry"] for n in raw] == list(range(1, 18))
    for heading in SEED_HEADINGS:
        assert heading in seed_lines


def test_source_field_names_file_entry_and_heading() -> None:
    for entry, note in enumerate(_notes(), start=1):
        assert note.source == (f"llm-vocabulary-flashcards.txt#{entry} {SEED_HEADINGS[entry - 1]}")


def test_first_line_is_one_sentence_then_blank_line() -> None:
    for note in _notes():
        lines = note.back.split("\n")
        first = lines[0]
        assert first.endswith("."), note.guid
        assert len(lines) >= 3 and lines[1] == "" and lines[2].strip(), note.guid
        # One sentence: no full stop followed by a new capitalised sentence.
        assert not re.search(r"[.!?] [A-Z]", first), (note.guid, first)


def test_fronts_are_the_seed_headings_spelled_correctly() -> None:
    # Issue 11: "What does GPT stand for?", not the notes' "GTP"; the heading as the
    # notes have it stays in the note's source (see the import test below).
    assert [n.front for n in _notes()] == FRONTS


#: Each heading the notes slipped on: (the front now, the answer's first words, a name).
FRONT_SLIPS = {
    "What does GTP stand for?": ("What does GPT stand for?", "GPT stands for", "GPT"),
    "In-painting": ("Inpainting", "Inpainting is", "Inpainting"),
    "Out-painting": ("Outpainting", "Outpainting uses", "Outpainting"),
    "Multi-model": ("Multi-modal", "A multimodal model", "Multi-modal"),
}


@pytest.mark.parametrize("heading", sorted(FRONT_SLIPS))
def test_slipped_headings_are_corrected_in_the_front(heading: str) -> None:
    raw = {n["source_heading"]: n for n in _raw_toml()["notes"]}  # type: ignore[union-attr]
    note = next(n for n in _notes() if n.guid == raw[heading]["guid"])
    front, first_words, name = FRONT_SLIPS[heading]
    assert note.front == front
    assert note.back.startswith(first_words)
    assert name in note.accepted
    assert heading in note.source_note and heading in note.source


def _unquoted(text: str) -> str:
    # A slip quoted as the notes' own spelling (the notes’ “GTP”) is the correction, not a slip.
    return re.sub(r"the notes’ “[^”]*”", "", text)


def test_no_spelling_slips_left() -> None:
    for note in _notes():
        text = _unquoted(" ".join([note.front, note.back, *note.accepted]))
        assert "GTP" not in text, note.guid
        assert "ChatGTP" not in text, note.guid
        assert "There or" not in text, note.guid
        assert "Aleksey" not in text and ".Alexey" not in text, note.guid
        assert "Multi-model" not in text and "multi-model" not in text, note.guid


def test_dall_e_2_says_april_2022() -> None:
    note = _by_entry(11)
    assert note.front == "DALL-E 2"
    assert "April 2022" in note.back
    assert "January 2022" not in note.back
    assert "April 2022" in note.source_note


def test_corrected_facts_are_in_the_cards() -> None:
    t5 = _by_entry(1).back
    assert "October 2019" in t5 and "JMLR" in t5 and "span-corruption" in t5
    vit = _by_entry(8).back
    assert "October 2020" in vit and "May 2021" in vit and "16x16 Words" in vit
    assert "human-computer interaction" in _by_entry(9).back
    poisoning = _by_entry(10).back
    assert "Relevant in" not in poisoning and "web-scraped" in poisoning
    assert "backdoor" in poisoning


def test_source_note_records_each_correction() -> None:
    for entry, note in enumerate(_notes(), start=1):
        if entry in CORRECTED:
            assert len(note.source_note) > 20, note.guid


def test_original_authorship_line_kept() -> None:
    assert "Made with ChatGPT" in _by_entry(1).back.replace("made with", "Made with")


def test_guids_unique_and_stable_prefix() -> None:
    guids = [n.guid for n in _notes()]
    assert len(set(guids)) == 17
    assert all(g and g.startswith("llmvocab-") for g in guids)
    assert guids[0] == "llmvocab-t5"


def test_accepted_alternative_spellings() -> None:
    accepted = {n.guid: {a.lower() for a in n.accepted} for n in _notes()}
    assert {"t5", "text-to-text transfer transformer"} <= accepted["llmvocab-t5"]
    assert {"inpainting"} <= accepted["llmvocab-inpainting"]
    assert {"outpainting"} <= accepted["llmvocab-outpainting"]
    assert {"dall·e 2", "dalle2"} <= accepted["llmvocab-dall-e-2"]
    assert {"multi-modal", "multimodal"} <= accepted["llmvocab-multimodal"]
    assert {"transformers"} <= accepted["llmvocab-transformer"]
    assert {"vision transformer"} <= accepted["llmvocab-vit"]
    assert {"gpt", "generative pre-trained transformer"} <= accepted["llmvocab-gpt"]


def test_tags_from_the_vocabulary() -> None:
    for note in _notes():
        assert note.tags and set(note.tags) <= ALLOWED_TAGS, note.guid


# --- the loader rejects broken files -------------------------------------------------

GOOD_NOTE = """
[[notes]]
guid = "g1"
front = "Term"
back = "A sentence.\\n\\nMore."
accepted = []
tags = ["concept"]
source_entry = 1
source_heading = "Term"
source_note = ""
"""
HEADER = 'format = 1\nversion = 3\ndeck = "D"\ndescription = "d"\nsource = "f.txt"\n'


def test_parse_minimal_file() -> None:
    deck = parse_builtin(HEADER + GOOD_NOTE)
    assert deck.version == 3
    assert deck.package.notes[0].source == "f.txt#1 Term"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER + GOOD_NOTE + GOOD_NOTE, "duplicate guid 'g1'"),
        (HEADER + GOOD_NOTE.replace('"Term"\nback', '""\nback'), "`front` must be a non-empty"),
        (HEADER + GOOD_NOTE.replace("A sentence.", "A sentence"), "ending with a full stop"),
        (HEADER + GOOD_NOTE.replace("\\n\\nMore", "\\nMore"), "followed by a blank line"),
        (HEADER + GOOD_NOTE.replace('["concept"]', '["cats"]'), "unknown tags ['cats']"),
        (HEADER.replace("format = 1", "format = 2") + GOOD_NOTE, "format 2, expected 1"),
        (HEADER, "no [[notes]]"),
        (HEADER + "[[notes]\n", "not valid TOML"),
    ],
)
def test_broken_files_raise_clear_errors(text: str, message: str) -> None:
    with pytest.raises(BuiltinDeckError, match=re.escape(message)) as info:
        parse_builtin(text)
    assert isinstance(info.value, TokenDeckError)
    assert "reinstall TokenDeck" in str(info.value)


def test_builtin_version_matches_the_full_parse() -> None:
    assert builtin_version() == load_builtin().version


def test_importing_the_seed_into_the_builtin_deck_adds_and_changes_nothing(
    tmp_path: Path,
) -> None:
    # Issue 11 (replacing issue 3's "a raw import reproduces the fronts verbatim"): each
    # built-in note records the seed heading it came from, so importing the learner's
    # notes file recognises its 17 entries as the built-in notes and reports them.
    with Collection.open(tmp_path / "shipped.db", now=NOW) as col:
        before = _everything(col)
        package = rawnotes.read(SEED.read_bytes(), source=str(SEED))
        result = col.import_package(package, now=NOW)
        assert (result.added, result.updated, result.skipped, result.already) == (0, 0, 0, 17)
        assert result.decks == [] and result.cards == 0
        assert _everything(col) == before
        skipping = col.import_package(package, now=NOW, mode="skip")
        assert (skipping.added, skipping.already) == (0, 17)


def test_importing_the_seed_with_the_cli_says_the_entries_are_already_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokendeck.cli import main

    db = tmp_path / "cli.db"
    main(["--db", str(db), "--now", NOW.isoformat(), "import", str(SEED)])
    out = capsys.readouterr().out
    assert "0 added, 0 updated, 0 skipped, 17 already here" in out


def _everything(col: Collection) -> list[tuple[object, ...]]:
    rows = col.store.db.fetchall("SELECT * FROM notes ORDER BY id")
    rows += col.store.db.fetchall("SELECT * FROM cards ORDER BY id")
    rows += col.store.db.fetchall("SELECT id, name FROM decks ORDER BY id")
    return [tuple(r) for r in rows]
