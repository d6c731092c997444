"""``/api/v1/quiz``: question formats, Learn and Test modes, cloze suggestions, lint, links.

A question is built (``POST /questions`` or ``POST /learn/next``) and kept on
the server under a token; ``POST /answers`` marks the answer (grade, verdict,
suggested rating, concepts found and missed) without recording it, and
``POST /records`` feeds it to the FSRS schedule, with the learner's optional
override. Everything goes through the collection facade (its quiz part).
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, TypeVar

from fastapi import APIRouter, Depends, Request

from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating
from tokendeck.errors import ConflictError, ValidationError
from tokendeck.web.deps import Col, Now, User
from tokendeck.web.presenters import card_out
from tokendeck.web.quiz import schemas as qs
from tokendeck.web.quiz.pages import FORMAT_HELP, LEARN_FORMATS
from tokendeck.web.quiz.presenters import mark_out, question_out, response_of, score_summary
from tokendeck.web.quiz.store import Entry, QuizStore
from tokendeck.web.readers import Readers
from tokendeck.web.schemas import DbInt, QueueOut
from tokendeck.web.strict import StrictJsonRoute

if TYPE_CHECKING:
    from tokendeck.collection.study import AnswerResult
    from tokendeck.quiz.formats import Question

router = APIRouter(prefix="/quiz", tags=["quiz"], route_class=StrictJsonRoute)
T = TypeVar("T")


async def quiz_collection(request: Request, col: Col) -> Collection:
    """The user's collection, with the app's grader when one was chosen (tests: lexical)."""
    grader = getattr(request.app.state, "quiz_grader", None)
    if grader is not None:
        col.use_grader(grader)
    return col


def store_of(request: Request) -> QuizStore:
    """The app's open questions (created on first use; the collections keep them)."""
    store: QuizStore | None = getattr(request.app.state, "quiz_store", None)
    if store is None:
        store = request.app.state.quiz_store = QuizStore()
    return store


QuizCol = Annotated[Collection, Depends(quiz_collection)]
Store = Annotated[QuizStore, Depends(store_of)]


def _rng(seed: int | None) -> random.Random:
    return random.Random(seed if seed is not None else secrets.randbits(64))


# -- questions ----------------------------------------------------------------------------


@router.post("/questions", response_model=qs.QuestionOut)
async def build_question(
    body: qs.QuestionIn, col: QuizCol, now: Now, user: User, store: Store
) -> qs.QuestionOut:
    """A question about a card in a format (400 ``invalid`` names a format that works)."""
    question = col.build_question(body.card_id, body.format, now=now, rng=_rng(body.seed))
    return question_out(question, store.add(col, Entry(user.name, question=question), now=now))


@router.get("/learn/next", response_model=qs.LearnOut)
async def learn_next(
    col: QuizCol,
    now: Now,
    user: User,
    store: Store,
    deck: str | None = None,
    format: qs.FormatName | None = None,
    seed: int | None = None,
) -> qs.LearnOut:
    """The next card of the queue, asked in the format Learn mode picks; with ``format``,
    the next card that can be asked in that format (never another format: when no card
    left today fits, ``question`` is empty and ``notice`` says why)."""
    counts = col.queue_counts(now, deck, session="learn")
    queue = QueueOut(new=counts.new, learning=counts.learning, review=counts.review)
    view = col.next_learn_card(now, deck)
    if view is None:
        return qs.LearnOut(question=None, queue=queue, card=None)
    rng = _rng(seed)
    if format is None:
        question = col.learn_question(view.card.id, now=now, rng=rng)
    else:
        found = _in_format(col, view.card.id, deck, format, now, rng)
        if isinstance(found, str):
            return qs.LearnOut(question=None, queue=queue, card=None, notice=found)
        question = found
        view = col.card(question.card_id)
    token = store.add(col, Entry(user.name, question=question), now=now)
    return qs.LearnOut(question=question_out(question, token), queue=queue, card=card_out(view))


#: Cards to come that Learn looks through for one that fits a chosen format.
FORMAT_LOOKAHEAD = 200


def _in_format(
    col: Collection, first: int, deck: str | None, fmt: str, now: datetime, rng: random.Random
) -> Question | str:
    """A question in ``fmt`` about the first card to come that suits it, or why none does."""
    from tokendeck.quiz.formats import QuestionError

    pending = col.study_queue(now, deck, session="learn").pending_ids()
    candidates = list(dict.fromkeys([first, *pending[:FORMAT_LOOKAHEAD]]))
    reason = ""
    for card_id in candidates:
        try:
            return col.build_question(card_id, fmt, now=now, rng=rng)
        except QuestionError as exc:
            reason = reason or exc.message
    label = dict(LEARN_FORMATS).get(fmt, fmt)
    left = len(candidates)
    return (
        f"None of the {left} card{'s' if left != 1 else ''} to study now can be asked as "
        f"{label} ({reason}). {FORMAT_HELP.get(fmt, 'Choose another format.')}"
    )


@router.post("/answers", response_model=qs.GradeOut)
async def answer(body: qs.AnswerIn, col: QuizCol, user: User, store: Store) -> qs.GradeOut:
    """Mark an answer: score, verdict, suggested rating, concepts found and missed.

    Nothing is recorded until ``POST /records``; answering again replaces the marks.
    """
    entry = store.get(col, body.token, user.name)
    if entry.question is None:
        raise ValidationError("that token is a practice test", hint="score it at /quiz/tests/…")
    response = response_of(entry.question, body)
    entry.marks = col.grade_question(entry.question, response, elapsed_s=body.elapsed_s)
    store.save(col, body.token, entry)
    marks = [mark_out(m, entry.question) for m in entry.marks]
    return qs.GradeOut(token=body.token, marks=marks)


@router.post("/records", response_model=qs.RecordOut)
async def record(
    body: qs.RecordIn, col: QuizCol, now: Now, user: User, store: Store
) -> qs.RecordOut:
    """Feed a marked answer to the schedule, with the learner's overrides (card id -> rating)."""
    entry = store.get(col, body.token, user.name)
    if not entry.marks:
        raise ValidationError("this question has not been answered yet", hint="POST /answers first")
    overrides = _overrides(body.overrides, {m.card_id for m in entry.marks})
    results = col.record_marks(
        entry.marks, now=now, duration_ms=body.duration_ms, overrides=overrides
    )
    store.drop(col, body.token)
    pairs = zip(entry.marks, results, strict=True)
    return qs.RecordOut(recorded=[_recorded(col, m.rating, overrides, r) for m, r in pairs])


def _overrides(given: Mapping[int, int | str], cards: set[int]) -> dict[int, Rating]:
    overrides = {card: Rating.parse(r) for card, r in given.items()}
    unknown = set(overrides) - cards
    if unknown:
        raise ValidationError(
            f"card {min(unknown)} is not in this question", hint="override only its own cards"
        )
    return overrides


def _recorded(
    col: Collection, suggested: Rating, overrides: dict[int, Rating], result: AnswerResult
) -> qs.RecordedOut:
    rating = overrides.get(result.card.id, suggested)
    return qs.RecordedOut(
        card=card_out(col.card(result.card.id)),
        rating=int(rating),
        overridden=rating != suggested,
        leech=result.leech,
    )


# -- Test mode ------------------------------------------------------------------------------


@router.post("/tests", response_model=qs.TestOut, status_code=201)
async def build_test(
    body: qs.TestIn, col: QuizCol, now: Now, user: User, store: Store
) -> qs.TestOut:
    """A practice test of ``count`` questions from a deck in the chosen formats."""
    test = col.practice_test(
        body.deck, now=now, rng=_rng(body.seed), count=body.count, formats=body.formats
    )
    token = store.add(col, Entry(user.name, test=test), now=now)
    questions = [question_out(q, f"{token}:{n}") for n, q in enumerate(test.questions)]
    return qs.TestOut(token=token, deck=test.deck, questions=questions)


@router.post("/tests/{token}/score", response_model=qs.TestScoreOut)
async def score_test(
    token: str, body: qs.TestAnswersIn, col: QuizCol, now: Now, user: User, store: Store
) -> qs.TestScoreOut:
    """Mark a whole test (unanswered questions count as wrong); optionally record the answers.

    Answers the grader is unsure of (``self_rate``) are not recorded: the
    learner rates those in Learn mode.
    """
    entry = store.get(col, token, user.name)
    if entry.test is None:
        raise ValidationError("that token is a single question", hint="answer it at /quiz/answers")
    if entry.recorded:
        raise ConflictError("this test was already scored and recorded", hint="build a new test")
    questions = entry.test.questions
    bad = [n for n in body.responses if not 0 <= n < len(questions)]
    if bad:
        raise ValidationError(
            f"there is no question {bad[0]}", hint=f"number 0 to {len(questions) - 1}"
        )
    responses = {n: response_of(questions[n], r) for n, r in body.responses.items()}
    score = col.score_practice_test(entry.test, responses)
    recorded = 0
    if body.record:
        sure = [m for m in score.marks if not m.self_rate]
        recorded = len(col.record_marks(sure, now=now, together=False))
        entry.recorded = True
        store.save(col, token, entry)
    # score_test marks the questions in order, one mark per card rated
    asked = [q for q in questions for _ in range(len(q.terms) or 1)]
    right = sum(1 for m in score.marks if m.verdict == "correct")
    partly = sum(1 for m in score.marks if m.verdict == "partly_correct")
    wrong = len(score.marks) - right - partly
    return qs.TestScoreOut(
        points=round(score.points, 1),
        possible=score.possible,
        percent=round(score.percent, 1),
        right=right,
        partly=partly,
        wrong=wrong,
        summary=score_summary(right, partly, wrong, score.percent),
        marks=[mark_out(m, q) for m, q in zip(score.marks, asked, strict=True)],
        recorded=recorded,
    )


# -- cloze, lint, links ---------------------------------------------------------------------


@router.get("/clozes", response_model=list[qs.ClozeOut])
async def cloze_suggestions(
    col: QuizCol, now: Now, card_id: DbInt | None = None, deck: str | None = None
) -> list[qs.ClozeOut]:
    """Cloze deletions proposed from a card's long back, or from every note of a deck."""
    found = col.suggest_clozes(now=now, card_id=card_id, deck=deck)
    return [
        qs.ClozeOut(note_id=s.note_id, text=s.text, gaps=list(s.gaps), sentence=s.sentence)
        for s in found
    ]


@router.post("/clozes", response_model=qs.ClozeAcceptOut, status_code=201)
async def accept_cloze(body: qs.ClozeAcceptIn, col: QuizCol, now: Now) -> qs.ClozeAcceptOut:
    """Store a suggestion (or the learner's edit) as a cloze note in the source note's deck."""
    from tokendeck.quiz.cloze import ClozeSuggestion

    col.note(body.note_id)  # 404 before anything else if the source is gone
    note = col.accept_cloze(ClozeSuggestion(body.note_id, body.text, (), ""), now=now)
    cards = [c.id for c in col.cards_of_note(note.id)]
    return qs.ClozeAcceptOut(note_id=note.id, card_ids=cards, text=note.front)


@router.get("/lint", response_model=list[qs.LintOut])
async def lint(request: Request, deck: str, col: QuizCol, now: Now, user: User) -> list[qs.LintOut]:
    """Cards of a deck that will study badly, each with how to fix it (202 while the deck's
    cards are prepared)."""
    col.deck_similarities(deck, now=now)  # prepared, or 202 while it is
    found = await _off_the_loop(request, user, now, lambda c: c.lint(deck, now=now))
    return [
        qs.LintOut(
            card_id=i.card_id,
            note_id=i.note_id,
            code=i.code,
            message=i.message,
            other_card_id=i.other_card_id,
        )
        for i in found
    ]


@router.get("/cards/{card_id}/related", response_model=list[qs.RelatedOut])
async def related(request: Request, card_id: DbInt, user: User, now: Now) -> list[qs.RelatedOut]:
    """Cards this one mentions, cards that mention it, and the most similar ones.

    Comparing a card with its whole deck can take a while: a worker thread does
    it with its own connection (:mod:`tokendeck.web.readers`), so answers go on.
    """
    readers: Readers = request.app.state.readers
    grader = getattr(request.app.state, "quiz_grader", None)
    found = await readers.read(user, now, lambda col: col.related(card_id, now=now), grader=grader)
    return [
        qs.RelatedOut(card_id=r.card_id, term=r.term, reason=r.reason, weight=round(r.weight, 3))
        for r in found
    ]


async def _off_the_loop(
    request: Request, user: User, now: datetime, work: Callable[[Collection], T]
) -> T:
    """Run ``work`` on a worker thread's own connection (every pair of a large deck's
    cards is compared: seconds at 10,000 cards)."""
    from tokendeck.web import jobs
    from tokendeck.web.preparing import background_of, quiz_grader

    settings = request.app.state.settings
    return await background_of(request).run(
        jobs.with_collection, settings, user.name, now, work, quiz_grader(request)
    )


@router.get("/graph", response_model=qs.GraphOut)
async def graph(request: Request, deck: str, col: QuizCol, now: Now, user: User) -> qs.GraphOut:
    """The deck's concept graph: cards, and "mentions" and "confusable" edges (202 while
    the deck's cards are prepared)."""
    name = col.deck(deck).name
    col.deck_similarities(deck, now=now)  # prepared, or 202 while it is
    found = await _off_the_loop(request, user, now, lambda c: c.concept_graph(deck, now=now))
    nodes = [qs.NodeOut(card_id=n.card_id, term=n.term, tags=list(n.tags)) for n in found.nodes]
    edges = [
        qs.EdgeOut(source=e.source, target=e.target, kind=e.kind, weight=round(e.weight, 3))  # type: ignore[arg-type]
        for e in found.edges
    ]
    return qs.GraphOut(deck=name, nodes=nodes, edges=edges)
