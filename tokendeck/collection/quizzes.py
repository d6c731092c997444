"""Quizzes: the part of the collection behind question formats and concept tools.

It turns a deck's cards
into :class:`~tokendeck.quiz.items.Item` values, keeps their pairwise
similarities (embeddings through the grader's lazy model, TF-IDF without
it), and hands them to the pure modules of :mod:`tokendeck.quiz`. Answers in
every format are recorded through the one answer path (:meth:`Study.record`) with an
:class:`~tokendeck.domain.attempts.Attempt`, so each feeds the FSRS schedule and
overrides are logged.

Return types are the plain frozen dataclasses of :mod:`tokendeck.quiz`:
``Question``/``Choice`` (formats), ``Mark`` (marking), ``Related``/``Graph``/
``Node``/``Edge``/``ConfusablePair`` (links), ``LintIssue`` (lint),
``ClozeSuggestion`` (cloze), ``PracticeTest``/``TestScore`` (practice_test).
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

from tokendeck.collection.decks import Decks
from tokendeck.collection.notes import Notes
from tokendeck.collection.study import Answer, AnswerResult, Study
from tokendeck.domain.cards import CardState, CardView, Rating
from tokendeck.errors import NotPreparedError, ValidationError

if TYPE_CHECKING:  # the quiz modules are imported when first used (cold start)
    import random

    from tokendeck.domain.notes import Note
    from tokendeck.grading import Grader
    from tokendeck.quiz.cloze import ClozeSuggestion
    from tokendeck.quiz.formats import Question
    from tokendeck.quiz.items import Item
    from tokendeck.quiz.learn import LearnPolicy
    from tokendeck.quiz.links import ConfusablePair, Graph, Related
    from tokendeck.quiz.lint import LintIssue
    from tokendeck.quiz.marking import Mark, Response
    from tokendeck.quiz.practice_test import PracticeTest, TestScore
    from tokendeck.quiz.similarity import Similarities


#: Decks whose similarities are kept in memory per process.
SIMILARITY_CACHE_DECKS = 8
#: (grader id, collection file, user, deck ids, deck fingerprint) -> (grader, similarities,
#: complete). Complete:
#: nothing better is to come (embeddings, or no model): a limited build that fell back to
#: the lexical scores is not, and a preparation replaces it.
_Key = tuple[int, str, int, tuple[int, ...], tuple[int, int, int]]
_SIMILARITY_CACHE: dict[_Key, tuple[Grader, Similarities, bool]] = {}


def _remember(key: _Key, value: tuple[Grader, Similarities, bool]) -> None:
    """Cache similarities, dropping the oldest beyond the limit.

    The web server prepares them on a worker thread: single dict operations
    are atomic, and a clash while evicting only costs a recomputation later.
    """
    _SIMILARITY_CACHE.pop(key, None)
    if len(_SIMILARITY_CACHE) >= SIMILARITY_CACHE_DECKS:
        with contextlib.suppress(StopIteration, RuntimeError):
            _SIMILARITY_CACHE.pop(next(iter(_SIMILARITY_CACHE)), None)
    _SIMILARITY_CACHE[key] = value


class Quizzes:
    """Question formats, Learn and Test modes, cloze, lint and links."""

    def __init__(self, decks: Decks, notes: Notes, study: Study) -> None:
        self.decks = decks
        self.notes = notes
        self.study = study
        self._grader: Grader | None = None

    # -- the grader and the deck's similarities ------------------------------------------------
    @property
    def quiz_grader(self) -> Grader:
        """The grader for typed answers and embeddings (the process-wide one by default)."""
        chosen = self._grader
        if chosen is None:
            from tokendeck.grading import default_grader

            chosen = default_grader()
        return chosen

    def use_grader(self, grader: Grader) -> None:
        """Use ``grader`` from now on (e.g. ``Grader(use_embeddings=False)``: lexical only)."""
        self._grader = grader

    def quiz_items(self, deck: str | int, *, now: datetime) -> list[Item]:
        """The cards of a deck (and subdecks) as quiz items, oldest card first."""
        from tokendeck.quiz.items import item_from_view

        views = self.notes.find(now=now, deck=deck, order="created")
        return [item_from_view(v) for v in views]

    def deck_similarities(self, deck: str | int, *, now: datetime) -> Similarities:
        """Pairwise similarities of a deck's cards.

        Kept per process (not per Collection: a worker thread prepares them for the
        web server) until a card of the deck is added, moved, deleted or edited;
        embedding vectors are kept on disk as well. A deck with more than
        EMBEDDING_MAX_CARDS texts never embedded gets the lexical scores here;
        :meth:`prepare_similarities` embeds them all.
        """
        return self._similarities(deck, now, prepare=False)

    def prepare_similarities(self, deck: str | int, *, now: datetime) -> Similarities:
        """:meth:`deck_similarities`, embedding every card whatever the deck's size (in
        batches, each kept on disk): work for a background worker."""
        return self._similarities(deck, now, prepare=True)

    def similarities_ready(self, deck: str | int) -> bool:
        """Whether the deck's similarities are in memory, complete (nothing to compute)."""
        found = _SIMILARITY_CACHE.get(self._similarity_key(deck))
        return found is not None and found[0] is self.quiz_grader and found[2]

    def _similarity_key(self, deck: str | int) -> _Key:
        ids = tuple(sorted(self.decks.ids(deck)))
        store = self.notes.store
        return (
            id(self.quiz_grader),
            store.location,
            store.user_id,
            ids,
            store.cards.fingerprint(ids),
        )

    def _similarities(self, deck: str | int, now: datetime, *, prepare: bool) -> Similarities:
        from tokendeck.quiz.similarity import EMBEDDING_MAX_CARDS, similarities

        grader = self.quiz_grader
        key = self._similarity_key(deck)
        found = _SIMILARITY_CACHE.get(key)
        if found is not None and found[0] is grader and (found[2] or not prepare):
            return found[1]
        if not prepare and self.notes.core.defer_slow_work:
            named = self.decks.get(deck)
            raise NotPreparedError(
                f"the cards of {named.name} are being prepared",
                deck_id=named.id,
                hint="ask again in a moment",
            )
        items = self.quiz_items(deck, now=now)
        limit = None if prepare else EMBEDDING_MAX_CARDS
        store = self.notes.core.vector_cache()
        sims = similarities(items, grader, embed_limit=limit, store=store)
        complete = sims.method == "embedding" or not grader.meaning_available
        if prepare:  # what related cards need too, while still in the background
            from tokendeck.quiz.links import deck_mentions

            deck_mentions(sims)
        _remember(key, (grader, sims, complete))
        return sims

    def _card_similarities(self, card_id: int, now: datetime) -> tuple[Similarities, int]:
        view = self.notes.card(card_id)
        sims = self.deck_similarities(view.deck_name, now=now)
        index = sims.position(card_id)
        # Stability and reps change with every answer; the scores do not: refresh the
        # card asked about (its stability picks the format of a Learn question).
        item = sims.items[index]
        if (item.stability, item.reps) != (view.card.stability, view.card.reps):
            fresh = replace(item, stability=view.card.stability, reps=view.card.reps)
            sims = sims.with_items((*sims.items[:index], fresh, *sims.items[index + 1 :]))
        return sims, index

    # -- questions ----------------------------------------------------------------------------
    def build_question(
        self, card_id: int, fmt: str, *, now: datetime, rng: random.Random
    ) -> Question:
        """A question of format ``fmt`` about a card (QuestionError names a format that works)."""
        from tokendeck.quiz.formats import build

        sims, index = self._card_similarities(card_id, now)
        return build(fmt, sims, index, rng)

    def learn_question(
        self,
        card_id: int,
        *,
        now: datetime,
        rng: random.Random,
        policy: LearnPolicy | None = None,
    ) -> Question:
        """The Learn-mode question for a card: the format follows its stability."""
        from tokendeck.quiz.learn import learn_question

        sims, index = self._card_similarities(card_id, now)
        relearning = self.notes.card(card_id).card.state == CardState.RELEARNING
        return learn_question(sims, index, rng, policy=policy, relearning=relearning)

    def grade_question(
        self, question: Question, response: Response, *, elapsed_s: float | None = None
    ) -> list[Mark]:
        """Mark a response (one Mark per card rated); nothing is recorded yet."""
        from tokendeck.quiz.marking import mark

        return mark(question, response, elapsed_s=elapsed_s, grader=self.quiz_grader)

    def record_marks(
        self,
        marks: Sequence[Mark],
        *,
        now: datetime,
        duration_ms: int = 0,
        overrides: Mapping[int, Rating] | None = None,
        together: bool = True,
    ) -> list[AnswerResult]:
        """Answer each marked card with its suggested rating, or the learner's override.

        All of them are recorded in one transaction, or none. ``together`` (one
        question's cards, such as a matching round): one undo takes them all back;
        a whole practice test passes False, so undo goes back one card at a time.
        """
        answers = []
        for each in marks:
            rating = (overrides or {}).get(each.card_id, each.rating)
            answers.append(Answer(each.card_id, rating, duration_ms, each.attempt(rating)))
        return self.study.record(answers, now=now, together=together)

    # -- Test mode ------------------------------------------------------------------------------
    def practice_test(
        self,
        deck: str | int,
        *,
        now: datetime,
        rng: random.Random,
        count: int = 10,
        formats: Sequence[str] = (),
    ) -> PracticeTest:
        """A practice test of ``count`` questions from a deck in the chosen formats."""
        from tokendeck.quiz.practice_test import build_test

        sims = self.deck_similarities(deck, now=now)
        name = self.decks.get(deck).name
        return build_test(sims, count, formats, rng, deck=name)

    def score_practice_test(
        self, test: PracticeTest, responses: Mapping[int, Response]
    ) -> TestScore:
        """Mark a whole test (question number -> response; missing ones count as wrong)."""
        from tokendeck.quiz.practice_test import score_test

        return score_test(test, responses, grader=self.quiz_grader)

    # -- concept links ----------------------------------------------------------------------------
    def related(self, card_id: int, *, now: datetime) -> list[Related]:
        """Cards this card mentions, cards that mention it, and the most similar ones."""
        from tokendeck.quiz import links

        sims, _ = self._card_similarities(card_id, now)
        return links.related(sims, card_id, links.deck_mentions(sims))

    def concept_graph(self, deck: str | int, *, now: datetime) -> Graph:
        """Nodes (cards) and edges (mentions, confusable pairs) of a deck."""
        from tokendeck.quiz import links

        sims = self.deck_similarities(deck, now=now)
        return links.graph(sims, links.deck_mentions(sims))

    def confusable_pairs(self, deck: str | int, *, now: datetime) -> list[ConfusablePair]:
        """Very similar cards of a deck, most similar first."""
        from tokendeck.quiz import links

        return links.confusable_pairs(self.deck_similarities(deck, now=now))

    def session_order(
        self, card_ids: Sequence[int], deck: str | int, *, now: datetime
    ) -> list[int]:
        """``card_ids`` reordered so confusable cards are spaced apart."""
        from tokendeck.quiz.links import space_apart

        return space_apart(card_ids, self.confusable_pairs(deck, now=now))

    def next_learn_card(self, now: datetime, deck: str | int | None = None) -> CardView | None:
        """The next card of a Learn session: the study queue, confusable cards spaced apart.

        The first call after the queue is built reorders what is still to come
        so that very similar cards (CLIP / GLIDE) are not asked back to back.
        """
        queue = self.study.queue(now, deck, "learn")
        if not queue.spaced:
            pending = queue.pending_ids()
            pairs = [
                pair
                for each in {self.notes.card(i).card.deck_id for i in pending}
                for pair in self.confusable_pairs(each, now=now)
            ]
            from tokendeck.quiz.links import space_apart

            queue.reorder(space_apart(pending, pairs))
        return self.study.next_card(now, deck, "learn")

    # -- lint and cloze ---------------------------------------------------------------------------
    def lint(self, deck: str | int, *, now: datetime) -> list[LintIssue]:
        """Cards of a deck that will study badly, and how to fix them."""
        from tokendeck.quiz.lint import lint

        return lint(self.deck_similarities(deck, now=now))

    def suggest_clozes(
        self, *, now: datetime, card_id: int | None = None, deck: str | int | None = None
    ) -> list[ClozeSuggestion]:
        """Cloze suggestions for one card's note, or for every note of a deck.

        Suggestions already accepted (same text) are left out.
        """
        from tokendeck.quiz.cloze import suggest
        from tokendeck.quiz.items import item_from_view

        if card_id is not None:
            views = [self.notes.card(card_id)]
        elif deck is not None:
            views = self.notes.find(now=now, deck=deck, order="created")
        else:
            raise ValidationError(
                "give a card or a deck",
                hint="pick a card or a deck",
                cli_hint="e.g. `tokendeck cloze suggest 12`",
            )
        done = self._accepted_clozes(views[0].deck_name if views else deck or "", now)
        found: list[ClozeSuggestion] = []
        seen: set[int] = set()
        for view in views:
            if view.note.kind == "cloze" or view.note.id in seen:
                continue
            seen.add(view.note.id)
            names = item_from_view(view).names
            found += [s for s in suggest(view.note, names) if s.text not in done]
        return found

    def _accepted_clozes(self, deck: str | int, now: datetime) -> set[str]:
        from tokendeck.quiz.cloze import SOURCE_PREFIX

        views = self.notes.find(now=now, deck=deck)
        return {v.note.front for v in views if v.note.source.startswith(SOURCE_PREFIX)}

    def accept_cloze(
        self, suggestion: ClozeSuggestion, *, now: datetime, text: str | None = None
    ) -> Note:
        """Store a suggestion (or the learner's edit of it) as a cloze note linked to its source."""
        from tokendeck.quiz.cloze import source_of

        chosen = (text or suggestion.text).strip()
        if "{{c" not in chosen or "::" not in chosen:
            raise ValidationError("the cloze text has no gap", hint="mark each gap as {{c1::text}}")
        source = self.notes.get(suggestion.note_id)
        deck_id = self.notes.cards_of_note(source.id)[0].deck_id
        return self.notes.add(
            deck_id,
            chosen,
            source.front,
            now=now,
            kind="cloze",
            tags=(*source.tags, "cloze"),
            source=source_of(source.guid),
        )
