"""Lint: long answers, several facts, noise, duplicates and near-duplicates."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import pytest
from quiz_fixtures import NOW, grader, lexical  # noqa: F401

from tokendeck.collection import Collection
from tokendeck.grading import Grader
from tokendeck.quiz.lint import noise


def _codes(col: Collection) -> dict[str, set[str]]:
    fronts = {v.id: v.note.front for v in col.find_cards(now=NOW)}
    found: dict[str, set[str]] = {}
    for issue in col.lint("L", now=NOW):
        found.setdefault(fronts[issue.card_id], set()).add(issue.code)
    return found


@pytest.mark.parametrize("which", ["grader", "lexical"])
def test_lint_flags_cards_that_study_badly(
    col: Collection, which: str, request: pytest.FixtureRequest
) -> None:
    col.use_grader(request.getfixturevalue(which))
    long = " ".join(["word"] * 40) + "."
    col.add_note("L", "Long one", long, now=NOW)
    col.add_note("L", "Two facts", "GLIDE is a diffusion model. It came out in 2021.", now=NOW)
    col.add_note("L", "Noisy", "A model from OpenAI (Made with ChatGPT) TODO", now=NOW)
    col.add_note("L", "HTML", "An image model<br>from Google&nbsp;", now=NOW)
    col.add_note("L", "Same", "Same answer here.", now=NOW)
    col.add_note("L", "same", "Another answer.", now=NOW)
    col.add_note("L", "Clean", "A tidy one-line answer.", now=NOW)
    codes = _codes(col)
    assert codes["Long one"] == {"long_answer"}
    assert codes["Two facts"] == {"several_facts"}
    assert codes["Noisy"] == {"noise"} and codes["HTML"] == {"noise"}
    assert codes["Same"] == {"duplicate"} and codes["same"] == {"duplicate"}
    assert "Clean" not in codes


def test_near_duplicates_by_meaning(col: Collection, grader: Grader) -> None:
    col.use_grader(grader)
    col.add_note("L", "Inpainting", "Filling in a masked part of an image with new content.",
                 now=NOW)  # fmt: skip
    col.add_note("L", "Image inpainting", "Filling a masked part of an image with new content.",
                 now=NOW)  # fmt: skip
    col.add_note("L", "HCI", "The study of how people use computers.", now=NOW)
    codes = _codes(col)
    assert codes["Inpainting"] == {"near_duplicate"} and "HCI" not in codes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Fine text.", []),
        ("(Original note made with ChatGPT.)", ['a "made with ChatGPT" remark']),
        ("TODO check", ["a TODO marker"]),
        ("a ,b", ["stray punctuation"]),
        ("costs 3.5 dollars, and more.", []),
        ("see <div>here</div>", ["HTML remnants"]),
    ],
)
def test_noise(text: str, expected: list[str]) -> None:
    assert noise(text) == expected


def test_builtin_deck_lint(builtin_col: Collection, grader: Grader) -> None:
    builtin_col.use_grader(grader)
    issues = builtin_col.lint("LLM Vocabulary", now=NOW)
    t5 = next(
        v.id for v in builtin_col.find_cards(now=NOW) if v.note.front.startswith("What is a T5")
    )
    assert any(i.card_id == t5 and i.code == "noise" for i in issues)
    assert not any(i.code in ("duplicate", "near_duplicate") for i in issues)
    assert not any(i.code == "slip" for i in issues)  # its fronts are spelled right (issue 11)


def test_a_front_that_slips_on_the_decks_own_term_is_flagged(
    builtin_col: Collection, lexical: Grader
) -> None:
    builtin_col.use_grader(lexical)
    for guid, front in (
        ("llmvocab-gpt", "What does GTP stand for?"),
        ("llmvocab-multimodal", "Multi-model"),
    ):
        note = builtin_col.note_by_guid(guid)
        assert note is not None
        builtin_col.edit_note(note.id, now=NOW, front=front)
    slips = {i.message for i in builtin_col.lint("LLM Vocabulary", now=NOW) if i.code == "slip"}
    assert any("'GTP' where the deck says 'GPT'" in m for m in slips)
    assert any("'Multi-model' where the deck says 'multimodal'" in m for m in slips)
    assert len(slips) == 2


def test_ordinary_words_and_numbers_are_not_slips(col: Collection, lexical: Grader) -> None:
    col.use_grader(lexical)
    col.add_note("L", "Power", "A lower bound on the power of 100 machines.", now=NOW)
    col.add_note("L", "Organisation", "The organization of the 100 cells.", now=NOW)
    col.add_note("L", "Year 105", "The year 100 came before 105.", now=NOW)
    col.add_note("L", "Inpainting", "In-painting fills in a masked region.", now=NOW)
    assert not [i for i in col.lint("L", now=NOW) if i.code == "slip"]
