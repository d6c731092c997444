"""Concept links: mentions, related cards, the graph, confusable pairs and spacing."""

# ruff: noqa: F811  (fixtures imported from quiz_fixtures)

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from quiz_fixtures import NOW, grader, items, lexical, lexical_sims, llm_col, sims  # noqa: F401

from tokendeck.collection import Collection
from tokendeck.grading import Grader
from tokendeck.quiz.items import Item, item_from_view
from tokendeck.quiz.links import ConfusablePair, confusable_pairs, mention_map, space_apart


def _terms(items: list[Item]) -> dict[int, str]:
    return {i.card_id: i.term for i in items}


def test_mentions_in_the_builtin_deck(items: list[Item]) -> None:
    terms = _terms(items)
    links = {terms[k]: {terms[t] for t in v} for k, v in mention_map(items).items()}
    assert {"CLIP", "GLIDE", "Diffusion model"} <= links["DALL-E 2"]
    assert "the Pile" in links["GPT-J"]
    assert "DALL-E 2" not in links["DALL-E 2"]


def test_mentions_handle_plurals_case_and_hyphens(col: Collection) -> None:
    col.add_note("M", "Diffusion model", "A generative model that removes noise.", now=NOW)
    col.add_note("M", "In-painting", "Filling a masked region.", now=NOW, accepted=["inpainting"])
    col.add_note("M", "Editing", "DIFFUSION MODELS support inpainting and in painting.", now=NOW)
    found = [item_from_view(v) for v in col.find_cards(now=NOW)]
    terms = _terms(found)
    editing = next(i for i in found if i.term == "Editing")
    assert {terms[t] for t in mention_map(found)[editing.card_id]} == {
        "Diffusion model",
        "In-painting",
    }


@pytest.mark.parametrize("which", ["sims", "lexical_sims"])
def test_confusable_pairs(which: str, request: pytest.FixtureRequest) -> None:
    pool = request.getfixturevalue(which)
    pairs = {frozenset((p.first_term, p.second_term)) for p in confusable_pairs(pool)}
    assert frozenset(("DALL-E 2", "CLIP")) in pairs
    assert frozenset(("HCI", "Data poisoning")) not in pairs
    if which == "sims":
        assert frozenset(("Inpainting", "Outpainting")) in pairs


def test_related_and_graph_through_the_facade(builtin_col: Collection, grader: Grader) -> None:
    builtin_col.use_grader(grader)
    views = {v.note.front: v.id for v in builtin_col.find_cards(now=NOW)}
    related = builtin_col.related(views["DALL-E 2"], now=NOW)
    by_reason = {(r.term, r.reason) for r in related}
    assert {
        ("CLIP", "mentions"),
        ("GLIDE", "mentions"),
        ("Outpainting", "mentioned_by"),
    } <= by_reason
    graph = builtin_col.concept_graph("LLM Vocabulary", now=NOW)
    assert len(graph.nodes) == 17
    assert any(e.kind == "mentions" and e.source == views["GPT-J"] for e in graph.edges)
    assert any(e.kind == "confusable" for e in graph.edges)
    order = builtin_col.session_order(sorted(views.values()), "LLM Vocabulary", now=NOW)
    assert sorted(order) == sorted(views.values())


def test_space_apart_separates_confusable_cards() -> None:
    pairs = [ConfusablePair(1, 2, "a", "b", 0.9), ConfusablePair(3, 4, "c", "d", 0.8)]
    order = space_apart([1, 2, 3, 4, 5, 6], pairs, gap=3)
    position = {c: i for i, c in enumerate(order)}
    assert abs(position[1] - position[2]) >= 3 and abs(position[3] - position[4]) >= 3


@settings(deadline=None)  # a loaded CI machine must not fail a pure function
@given(st.lists(st.integers(1, 30), unique=True, max_size=20), st.integers(0, 10**6))
def test_space_apart_keeps_every_card(cards: list[int], seed: int) -> None:
    rng = random.Random(seed)
    pairs = [ConfusablePair(a, b, "", "", 0.9) for a, b in itertools.pairwise(cards)
             if rng.random() < 0.5]  # fmt: skip
    assert sorted(space_apart(cards, pairs)) == sorted(cards)


def test_similarities_are_cached_across_collections_until_text_changes(
    location: object, grader: Grader
) -> None:
    path = location if isinstance(location, str) else str(location)
    with Collection.open(path, now=NOW, install_builtin=False) as first:
        first.use_grader(grader)
        for term in ("CLIP", "GLIDE", "ViT"):
            first.add_note("D", term, f"{term} is a model.", now=NOW)
        before = first.deck_similarities("D", now=NOW)
    with Collection.open(path, now=NOW, install_builtin=False) as second:
        second.use_grader(grader)
        again = second.deck_similarities("D", now=NOW)
        assert again.matrix is before.matrix  # the web app opens one Collection per request
        note = second.find_cards(now=NOW)[0].note
        second.edit_note(note.id, now=NOW, back="CLIP pairs images with captions.")
        assert second.deck_similarities("D", now=NOW).matrix is not before.matrix


def test_large_decks_use_the_lexical_fallback(items: list[Item], grader: Grader) -> None:
    from tokendeck.quiz.similarity import similarities

    assert similarities(items, grader, embed_limit=len(items) - 1).method == "lexical"
    assert similarities(items, grader, embed_limit=len(items)).method == "embedding"


def test_learn_sessions_space_confusable_cards_apart(col: Collection, lexical: Grader) -> None:
    # Two near-identical cards added back to back would be asked back to back.
    col.use_grader(lexical)
    for front, back in [
        ("Inpainting", "Filling masked regions of an image with generated content."),
        ("Outpainting", "Filling regions beyond an image's borders with generated content."),
        ("Canberra", "The capital city of Australia."),
        ("Photosynthesis", "How plants turn light, water and carbon dioxide into sugar."),
        ("Mitochondria", "Organelles that release energy from food by respiration."),
    ]:
        col.add_note("Mix", front, back, now=NOW)
    plain = col.study_queue(NOW, "Mix").pending_ids()
    assert [col.card(i).front for i in plain[:2]] == ["Inpainting", "Outpainting"]
    first = col.next_learn_card(NOW, "Mix")
    assert first is not None
    learn = col.study_queue(NOW, "Mix", session="learn").pending_ids()
    order = [col.card(i).front for i in learn]
    assert abs(order.index("Inpainting") - order.index("Outpainting")) >= 2
    assert sorted(order) == sorted(col.card(i).front for i in plain)  # nothing lost
    # the Learn session has its own queue: a flip-card session of the deck keeps its order
    assert col.study_queue(NOW, "Mix").pending_ids() == plain
