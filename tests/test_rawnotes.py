"""The heuristic raw-notes importer, on the seed notes and on other topics."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokendeck.builtin.deck import load_builtin
from tokendeck.errors import ImportFormatError, TooLargeError
from tokendeck.formats import rawnotes
from tokendeck.formats.options import ReadOptions
from tokendeck.formats.rawnotes import decode, detect, entries, heading_score, read

DATA = Path(__file__).parent / "data" / "rawnotes"
SEED = DATA / "llm-vocabulary-flashcards.txt"

SEED_LINES = [2, 13, 17, 19, 21, 23, 29, 37, 42, 44, 46, 57, 61, 67, 75, 78, 81]


def _seed() -> rawnotes.Detection:
    return detect(decode(SEED, source=SEED.name), source=SEED.name)


# --- the seed notes ----------------------------------------------------------------------


def test_seed_has_title_and_exactly_17_entries() -> None:
    found = _seed()
    assert found.title == "Large Language Model Vocabulary Flashcards"
    assert found.title_line == 1
    assert found.preamble == ()
    assert [e.line for e in found.entries] == SEED_LINES


def test_seed_imports_to_the_same_cards_as_the_builtin_deck() -> None:
    # The built-in deck records each entry's original heading; the raw
    # importer keeps the text as written, so the two must agree in order.
    builtin = load_builtin().package.notes
    headings = [n.source.split("#", 1)[1].split(" ", 1) for n in builtin]
    package = read(SEED.read_bytes(), source=str(SEED))
    assert [(str(i), n.front) for i, n in enumerate(package.notes, start=1)] == [
        (entry, heading) for entry, heading in headings
    ]


def test_seed_definitions_are_complete() -> None:
    found = _seed()
    lines = SEED.read_text("utf-8").splitlines()
    body_lines = [line for e in found.entries for line in e.body]
    fronts = {e.front for e in found.entries}
    # Every line but the title and the fronts lands in exactly one definition.
    assert sorted(body_lines) == sorted(line for line in lines[1:] if line not in fronts)
    assert len(body_lines) == 83 - 1 - 17
    assert found.entries[-1].end_line == 83


@pytest.mark.parametrize(
    ("front", "line"),
    [
        ("What is a T5 model?", "(Made with ChatGTP)"),
        ("What is a T5 model?", "Released in 2020"),
        ("What is a T5 model?", "Some important things to know about T5 include:"),
        ("Transformers", "GTP is an example"),
        ("What does GTP stand for?", "“GPT” is short for generative pre-trained transformer"),
        ("HCI", "Human computer interaction"),
        ("ViT", "He thought why can’t transformers work on images as well?"),
    ],
)
def test_seed_distractor_lines_stay_in_their_definition(front: str, line: str) -> None:
    entry = next(e for e in _seed().entries if e.front == front)
    assert any(line in body for body in entry.body)


def test_seed_package_notes() -> None:
    package = read(SEED.read_bytes(), source=str(SEED))
    assert len(package.notes) == 17
    t5 = package.notes[0]
    assert t5.deck == "Large Language Model Vocabulary Flashcards"
    assert t5.kind == "basic"
    assert t5.line == 2
    assert t5.source == "llm-vocabulary-flashcards.txt#2"
    assert t5.back.startswith("(Made with ChatGTP)\n\nT5 (short for")
    assert t5.back.endswith("variety of different settings.")
    assert all(0.5 < n.confidence <= 1.0 for n in package.notes)
    assert len({n.guid for n in package.notes}) == 17
    assert package.deck_names() == ["Large Language Model Vocabulary Flashcards"]
    assert any("read as the title" in w for w in package.warnings)


# --- other raw notes, written for these tests ---------------------------------------------


def test_sourdough_notes_with_blank_lines_and_asides() -> None:
    found = detect(decode(DATA / "sourdough.txt", source="sourdough.txt"))
    assert found.title == "Sourdough Baking Glossary"
    assert [e.front for e in found.entries] == [
        "Starter",
        "What is autolyse?",
        "Levain",
        "Hydration",
        "Bulk fermentation",
        "Why does dough need to rest before shaping?",
        "Oven spring",
    ]
    levain = found.entries[2]
    assert "Rye levain is an example" in levain.body
    assert "Typical range: 65-80%" in found.entries[3].body
    assert "Also called bench rest" in found.entries[5].body


def test_git_notes_with_lowercase_terms_and_bullets() -> None:
    found = detect(decode(DATA / "git-basics.txt", source="git-basics.txt"))
    assert found.title == "Git basics"
    assert [e.front for e in found.entries] == [
        "Staging area (index)",
        "git rebase",
        "What is a detached HEAD?",
        "Fast-forward merge",
        "git switch",
        "Reflog",
    ]
    rebase, switch = found.entries[1], found.entries[4]
    assert rebase.body[-1] == "- git rebase -i HEAD~3 (interactive: squash, reorder, edit)"
    assert switch.body[1:] == ("Added in Git 2.23", "See also: git restore")


def test_french_notes_with_bom_crlf_and_accents() -> None:
    data = (DATA / "french-verbs.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    package = read(data, source="french-verbs.txt")
    assert [n.front for n in package.notes] == [
        "Être",
        "Avoir",
        "What is the passé composé?",
        "Subjonctif",
        "Aller",
    ]
    assert package.notes[0].deck == "French verbs: revision notes"
    assert "Irregular in the present tense" in package.notes[0].back
    assert "\r" not in package.notes[0].back


def test_notes_without_a_title_start_with_the_first_term() -> None:
    text = (
        "Photosynthesis\n"
        "The process by which plants turn light, water and CO2 into sugar and oxygen.\n"
        "Takes place in the chloroplasts\n"
        "Mitochondria\n"
        "Organelles that release energy from sugar by cellular respiration.\n"
    )
    found = detect(text)
    assert found.title is None
    assert [e.front for e in found.entries] == ["Photosynthesis", "Mitochondria"]
    assert found.entries[0].body[1] == "Takes place in the chloroplasts"
    assert read(text.encode(), source="bio.txt").notes[0].deck == "Default"


def test_text_before_the_first_entry_is_reported_not_imported() -> None:
    text = (
        "These are my notes from the lecture on 3 March. Ask Sam for the slides.\n"
        "Entropy\n"
        "A measure of the number of microscopic states consistent with a macrostate.\n"
        "Enthalpy\n"
        "The internal energy of a system plus the product of its pressure and volume.\n"
    )
    package = read(text.encode(), source="physics.txt")
    assert [n.front for n in package.notes] == ["Entropy", "Enthalpy"]
    assert any("physics.txt, line 1" in w and "skipped" in w for w in package.warnings)


def test_options_set_deck_and_tags() -> None:
    package = read(
        SEED.read_bytes(), source="seed.txt", options=ReadOptions(deck="Mine", tags=("ml",))
    )
    assert {n.deck for n in package.notes} == {"Mine"}
    assert package.notes[0].tags == ["ml"]


def test_guids_are_stable_across_reimports() -> None:
    first = read(SEED.read_bytes(), source="a.txt")
    second = read(SEED.read_bytes() + b"\nExtra line of definition.", source="b.txt")
    assert [n.guid for n in first.notes] == [n.guid for n in second.notes]


def test_preview_lists_entries_with_lines_and_confidence() -> None:
    preview = entries(SEED, source=str(SEED))
    assert [(e.line, e.end_line) for e in preview][:2] == [(2, 12), (13, 16)]
    assert all(0.0 <= e.confidence <= 1.0 for e in preview)


# --- line scores and errors -----------------------------------------------------------------


def test_heading_score_prefers_terms_over_definition_lines() -> None:
    definition = "A short definition that follows the term and explains it in full."
    assert heading_score("Gradient descent", definition) > 0
    assert heading_score("Why does ice float?", definition) > 0
    assert heading_score("(copied from the textbook)", definition) < 0
    assert heading_score("Discovered in 1847", definition) < 0
    assert heading_score("Newton is an example", definition) < 0
    assert heading_score("It also works in reverse.", definition) < 0
    assert heading_score("Gradient descent", None) < -5


def test_undecodable_bytes_name_the_file_and_line() -> None:
    data = "Café\nA place for coffee.\n".encode() + "Crème\n".encode("latin-1")
    with pytest.raises(ImportFormatError) as info:
        read(data, source="notes.txt")
    message = str(info.value)
    assert "notes.txt, line 3" in message
    assert "save the file as UTF-8" in message


@pytest.mark.parametrize("text", ["", "\n\n", "Only a title\n"])
def test_files_without_entries_are_rejected(text: str) -> None:
    with pytest.raises(ImportFormatError, match="found no entries"):
        read(text.encode(), source="empty.txt")


def test_huge_files_are_refused() -> None:
    with pytest.raises(TooLargeError):
        read(b"x" * (rawnotes.MAX_BYTES + 1), source="big.txt")


# --- every line is accounted for, whatever the text ------------------------------------------

_LINE = st.text(alphabet=st.sampled_from("abcXYZ é?.:,()-'\" 12"), max_size=40)


@settings(max_examples=100, deadline=None)
@given(st.lists(_LINE, min_size=0, max_size=30))
def test_detection_never_drops_or_duplicates_a_line(raw_lines: list[str]) -> None:
    text = "\n".join(raw_lines)
    expected = [line.strip() for line in raw_lines if line.strip()]
    try:
        found = detect(text)
    except ImportFormatError as exc:
        # Allowed only when no line could start an entry (all prose, or < 2 lines).
        assert "found no entries" in str(exc)
        return
    seen = [text for _, text in found.preamble]
    if found.title is not None:
        seen.insert(0, found.title)
    for entry in found.entries:
        assert entry.body, entry  # a front always has a definition
        assert 0.0 <= entry.confidence <= 1.0
        seen.extend([entry.front, *entry.body])
    assert seen == expected
    numbers = [e.line for e in found.entries]
    assert numbers == sorted(numbers)


def test_prose_without_terms_is_rejected() -> None:
    prose = "This paragraph is only prose, with no term in it at all. " * 5
    with pytest.raises(ImportFormatError, match="found no entries"):
        read(f"{prose}\n{prose}\n".encode(), source="essay.txt")


def test_repeated_front_keeps_both_entries_with_distinct_guids() -> None:
    text = "Bond\nA loan to a government or company.\nBond\nA chemical link between atoms.\n"
    package = read(text.encode(), source="mixed.txt")
    assert [n.back for n in package.notes] == [
        "A loan to a government or company.",
        "A chemical link between atoms.",
    ]
    assert package.notes[0].guid != package.notes[1].guid
    assert any("'Bond' appears 2 times (lines 1, 3)" in w for w in package.warnings)


def test_module_docstring_example() -> None:
    assert rawnotes.__doc__ is not None
    example = rawnotes.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    found = detect("\n".join(line.strip() for line in example.splitlines()))
    assert found.title == "Glossary of Sourdough"
    assert [(e.front, len(e.body)) for e in found.entries] == [
        ("Levain", 2),
        ("What is autolyse?", 1),
    ]


def test_terms_marked_with_colons_and_lowercase_definitions() -> None:
    found = detect(decode(DATA / "biology-colons.txt", source="biology-colons.txt"))
    assert found.title == "Biology midterm"
    assert [(e.front, e.body[-1]) for e in found.entries] == [
        ("Osmosis:", "see diagram p. 42"),
        ("Diffusion:", "no energy needed"),
        ("Active transport:", "example: sodium-potassium pump"),
    ]


def test_file_style_is_learned_from_a_first_pass() -> None:
    # "Passive process" looks like a term on its own (short, no verb, no full
    # stop), but this file marks every term with a colon, so the second pass
    # keeps it in the definition of "Osmosis:".
    text = (
        "Osmosis:\n"
        "movement of water across a membrane towards the higher solute concentration\n"
        "Passive process\n"
        "no ATP required\n"
        "Diffusion:\n"
        "net movement of particles from high to low concentration\n"
        "Active transport:\n"
        "movement against the gradient, using ATP\n"
        "Endocytosis:\n"
        "the cell engulfs material by folding its membrane inwards\n"
    )
    assert heading_score("Passive process", "no ATP required") > 0
    found = detect(text)
    assert [e.front for e in found.entries] == [
        "Osmosis:",
        "Diffusion:",
        "Active transport:",
        "Endocytosis:",
    ]
    assert found.entries[0].body[1:] == ("Passive process", "no ATP required")


def test_ml_terms_without_title_and_with_label_lines() -> None:
    found = detect(decode(DATA / "ml-terms.txt", source="ml-terms.txt"))
    assert found.title is None
    assert [e.front for e in found.entries] == [
        "Backpropagation",
        "Overfitting",
        "Dropout",
        "What is a learning rate?",
        "Batch normalization",
    ]
    assert found.entries[3].body == (
        "The step size used when updating weights.",
        "Too high: divergence",
        "Too low: slow training",
    )
    assert "Described in 1986" in found.entries[0].body


def test_utf16_with_bom_is_read() -> None:
    text = "Ångström\nA unit of length equal to 10⁻¹⁰ metres.\n"
    package = read(text.encode("utf-16"), source="units.txt")
    assert [(n.front, n.back) for n in package.notes] == [
        ("Ångström", "A unit of length equal to 10⁻¹⁰ metres.")
    ]
