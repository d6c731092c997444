"""Options of multiple-choice, discrimination and matching questions, over any deck (Hypothesis).

Whatever the cards say, a question either is not offered (QuestionError) or shows
options that read differently from each other once names are hidden, with the
right one among them exactly once; a matching round's marks each name their own
pair's answer, not the whole key.
"""

from __future__ import annotations

import random
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokendeck.quiz import formats
from tokendeck.quiz.formats import QuestionError
from tokendeck.quiz.items import Item
from tokendeck.quiz.marking import mark
from tokendeck.quiz.similarity import similarities

#: Few words, so that definitions often collide, differ only by a name, or are only a name.
WORDS = ("model", "image", "text", "a", "the", "diffusion", "of", "CLIP", "GLIDE", "vision")
TERMS = ("CLIP", "GLIDE", "ViT", "T5", "GPT", "Pile", "DALL-E")


@st.composite
def decks(draw: st.DrawFn) -> list[Item]:
    count = draw(st.integers(1, 9))
    items = []
    for n in range(count):
        term = draw(st.sampled_from(TERMS))
        words = draw(st.lists(st.sampled_from((*WORDS, term)), min_size=0, max_size=6))
        definition = (" ".join(words) or term) + "."
        items.append(
            Item(n + 1, n + 1, "D", term, definition, term, (term,), definition, definition)
        )
    return items


def _key(text: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(items=decks(), fmt=st.sampled_from(("multiple_choice", "discrimination", "matching")))
def test_options_are_distinct_or_the_question_is_not_offered(items: list[Item], fmt: str) -> None:
    sims = similarities(items)  # lexical: no model needed
    for index in range(len(items)):
        try:
            question = formats.build(fmt, sims, index, random.Random(index))
        except QuestionError:
            continue
        texts = [_key(c.text) for c in question.choices]
        assert len(texts) == len(set(texts)), question.choices
        assert all(t.replace("_", "").strip() for t in texts), question.choices
        if fmt == "matching":
            assert len(question.terms) == len(question.choices) >= 3
            assert {t.card_id for t in question.terms} == {c.card_id for c in question.choices}
            marks = mark(question, {t.card_id: t.card_id for t in question.terms}, elapsed_s=1)
            for each in marks:
                term = next(t.text for t in question.terms if t.card_id == each.card_id)
                assert each.expected.startswith(f"{term}: ") and ";" not in each.expected
        else:
            assert len(question.choices) >= (3 if fmt == "multiple_choice" else 2)
            right = [c for c in question.choices if c.card_id == question.card_id]
            assert len(right) == 1 and question.choices[question.correct or 0] == right[0]
