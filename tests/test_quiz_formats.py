"""Question builders over the built-in deck, with embeddings and with the lexical fallback."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from quiz_fixtures import (  # noqa: F401
    NOW,
    by_term,
    grader,
    items,
    lexical,
    lexical_sims,
    llm_col,
    sims,
)

from tokendeck.collection import Collection
from tokendeck.grading import Grader
from tokendeck.quiz import formats
from tokendeck.quiz.formats import QuestionError
from tokendeck.quiz.items import item_from_view
from tokendeck.quiz.similarity import Similarities, is_synonym, similarities


def _choice_terms(sims: Similarities, question: formats.Question) -> set[str]:
    return {sims.items[sims.position(c.card_id)].term for c in question.choices}


def test_embedding_similarities_are_used_when_the_model_loads(sims: Similarities) -> None:
    assert sims.method == "embedding"
    dalle = by_term(sims, "DALL-E 2")
    nearest = {sims.items[j].term for j in sims.nearest(dalle, 2)}
    assert nearest == {"CLIP", "GLIDE"}


@pytest.mark.parametrize("which", ["sims", "lexical_sims"])
def test_multiple_choice_distractors_are_the_nearest_cards(
    which: str, request: pytest.FixtureRequest
) -> None:
    pool: Similarities = request.getfixturevalue(which)
    question = formats.multiple_choice(pool, by_term(pool, "DALL-E 2"), random.Random(1))
    assert len(question.choices) == formats.CHOICES
    assert {"DALL-E 2", "CLIP", "GLIDE"} <= _choice_terms(pool, question)
    assert question.choices[question.correct or 0].card_id == question.card_id
    assert all("DALL-E 2" not in c.text for c in question.choices)  # names are masked


def test_lexical_fallback_is_reported(lexical_sims: Similarities) -> None:
    assert lexical_sims.method == "lexical"


def test_distractors_are_never_synonyms_or_duplicates(col: Collection, grader: Grader) -> None:
    defs = {
        "Inpainting": "Inpainting fills a masked region of an image with generated content.",
        "In-painting": "Inpainting fills a masked region of an image with generated content.",
        "Image filling": "Filling a masked region of an image with newly generated content.",
        "Outpainting": "Outpainting extends an image beyond its borders with generated content.",
        "CLIP": "CLIP embeds images and text in one shared space.",
        "GLIDE": "GLIDE is a text-guided diffusion model for images.",
    }
    for front, back in defs.items():
        accepted = ["image filling"] if front == "Inpainting" else []
        col.add_note("Vision", front, back, now=NOW, accepted=accepted)
    pool = similarities([item_from_view(v) for v in col.find_cards(now=NOW)], grader)
    index = by_term(pool, "Inpainting")
    question = formats.multiple_choice(pool, index, random.Random(0))
    terms = _choice_terms(pool, question)
    assert "In-painting" not in terms  # same definition
    assert "Image filling" not in terms  # an accepted alternative of the answer
    assert "Outpainting" in terms
    assert is_synonym(pool, index, by_term(pool, "In-painting"))


def test_multiple_choice_needs_enough_cards(col: Collection, grader: Grader) -> None:
    col.add_note("Tiny", "CLIP", "CLIP embeds images and text.", now=NOW)
    col.add_note("Tiny", "GLIDE", "GLIDE makes images from text.", now=NOW)
    pool = similarities([item_from_view(v) for v in col.find_cards(now=NOW)], grader)
    with pytest.raises(QuestionError, match="too few"):
        formats.multiple_choice(pool, 0, random.Random(0))


def test_true_false_pairs_a_term_with_its_own_or_a_neighbours_sentence(sims: Similarities) -> None:
    index = by_term(sims, "CLIP")
    seen = set()
    for seed in range(12):
        question = formats.true_false(sims, index, random.Random(seed))
        seen.add(question.truth)
        assert "CLIP" in question.statement
        if question.truth:
            assert question.statement.startswith("CLIP (Contrastive")
        else:
            others = [i for i in sims.items if i.term not in ("CLIP",)]
            assert not any(o.term in question.statement for o in others if o.term != "CLIP"
                           and len(o.term) > 3 and o.term != "Transformer")  # fmt: skip
    assert seen == {True, False}


def test_matching_round_has_up_to_six_pairs_and_a_time_limit(sims: Similarities) -> None:
    question = formats.matching(sims, by_term(sims, "GLIDE"), random.Random(2))
    assert 3 <= len(question.terms) <= formats.MATCHING_PAIRS
    assert {t.card_id for t in question.terms} == {c.card_id for c in question.choices}
    assert question.time_limit_s == formats.MATCHING_SECONDS
    terms = [t.text for t in question.terms]
    assert not any(term in c.text for c in question.choices for term in terms if len(term) > 3)


def test_discrimination_names_the_confusable_rival(sims: Similarities) -> None:
    question = formats.discrimination(sims, by_term(sims, "Inpainting"), random.Random(0))
    assert question.prompt == "Which of these is Inpainting, not Outpainting?"
    assert question.choices[question.correct or 0].card_id == question.card_id


def test_reverse_hides_the_term_and_accepts_its_names(sims: Similarities) -> None:
    question = formats.reverse(sims.items[by_term(sims, "DALL-E 2")])
    assert question.prompt.startswith("_____ is OpenAI’s text-to-image model")
    assert question.answer == "DALL-E 2" and "Dalle2" in question.accepted


def test_reverse_and_true_false_need_a_term(sims: Similarities) -> None:
    index = by_term(sims, "Why is the Pile a good training set?")
    with pytest.raises(QuestionError):
        formats.reverse(sims.items[index])
    with pytest.raises(QuestionError):
        formats.true_false(sims, index, random.Random(0))


def test_cloze_format_needs_a_cloze_card(col: Collection, grader: Grader) -> None:
    col.add_note("C", "The Pile is {{c1::825 GiB}} of text.", "What is the Pile?", now=NOW,
                 kind="cloze")  # fmt: skip
    col.add_note("C", "GLIDE", "GLIDE makes images from text.", now=NOW)
    pool = similarities([item_from_view(v) for v in col.find_cards(now=NOW)], grader)
    question = formats.cloze(pool.items[0])
    assert question.prompt == "The Pile is [...] of text." and question.answer == "825 GiB"
    with pytest.raises(QuestionError, match="not a cloze card"):
        formats.cloze(pool.items[1])


def test_typed_question_expects_the_first_line(sims: Similarities) -> None:
    question = formats.typed(sims.items[by_term(sims, "the Pile")])
    assert question.prompt == "What is the Pile dataset?"
    assert question.answer.startswith("The Pile is an 825 GiB") and question.accepted == ()


def test_build_rejects_unknown_formats(sims: Similarities) -> None:
    with pytest.raises(Exception, match="unknown question format"):
        formats.build("essay", sims, 0, random.Random(0))


def test_cloze_cards_are_asked_as_cloze_and_never_distractors(
    col: Collection, grader: Grader
) -> None:
    col.add_note("C", "The Pile is {{c1::825 GiB}} of text.", "What is the Pile?", now=NOW,
                 kind="cloze")  # fmt: skip
    for term, kind in (
        ("CLIP", "image"),
        ("GLIDE", "diffusion"),
        ("ViT", "vision"),
        ("T5", "text"),
    ):
        col.add_note("C", term, f"{term} is an {kind} model with a long definition.", now=NOW)
    pool = similarities([item_from_view(v) for v in col.find_cards(now=NOW)], grader)
    cloze_index = next(i for i, item in enumerate(pool.items) if item.kind == "cloze")
    assert formats.typed(pool.items[cloze_index]).format == "cloze"
    with pytest.raises(QuestionError):
        formats.multiple_choice(pool, cloze_index, random.Random(0))
    for index in range(len(pool.items)):
        if index != cloze_index:
            question = formats.multiple_choice(pool, index, random.Random(0))
            assert pool.items[cloze_index].card_id not in {c.card_id for c in question.choices}


@pytest.mark.parametrize(
    ("sentence", "names", "term", "expected"),
    [
        ("ViT (Vision Transformer) is an image model.", ("ViT", "Vision Transformer"), "GPT",
         "GPT is an image model."),
        ("A diffusion model is generative.", ("diffusion model",), "Inpainting",
         "Inpainting is generative."),
        ("T5 (“Text-To-Text Transfer Transformer”) is a model.",
         ("T5", "Text-To-Text Transfer Transformer"), "HCI", "HCI is a model."),
        ("GPT-J is a model.", ("GPT-J",), "the Pile", "The Pile is a model."),
    ],
)  # fmt: skip
def test_swap_names_for_false_statements(
    sentence: str, names: tuple[str, ...], term: str, expected: str
) -> None:
    assert formats.swap_names(sentence, names, term) == expected


def test_reverse_refuses_a_definition_that_is_only_names(sims: Similarities) -> None:
    with pytest.raises(QuestionError, match="little more than its names"):
        gpt = sims.items[by_term(sims, "GPT")]
        formats.reverse(
            replace(gpt, definition="GPT stands for Generative Pre-trained Transformer.")
        )


def test_discrimination_needs_a_confusable_rival(sims: Similarities) -> None:
    with pytest.raises(QuestionError, match="no confusable"):
        formats.discrimination(sims, by_term(sims, "HCI"), random.Random(0))
