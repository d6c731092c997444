"""Request and response models of ``/api/v1/quiz``: question formats, Learn and Test modes,
cloze suggestions, lint and concept links.

Questions go out without their answers: options are numbered, and a matching
round's definitions carry their position, not the card they belong to, so the
page cannot give the answer away. The server keeps the question under a token
until it is answered (see :mod:`tokendeck.web.quiz.store`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tokendeck.web.schemas import CardOut, DbInt, QueueOut, RatingName

FormatName = Literal[
    "flip",
    "typed",
    "reverse",
    "multiple_choice",
    "true_false",
    "matching",
    "cloze",
    "discrimination",
]


class _Strict(BaseModel):
    """Request bodies refuse unknown fields, so typos are reported, not ignored."""

    model_config = ConfigDict(extra="forbid")


# -- questions ------------------------------------------------------------------------------


class QuestionIn(_Strict):
    card_id: DbInt
    format: FormatName
    seed: int | None = Field(default=None, description="fixes the shuffles (tests, replays)")


class OptionOut(BaseModel):
    index: int
    text: str


class TermOut(BaseModel):
    card_id: int
    text: str


class QuestionOut(BaseModel):
    """A question ready to show; answer it with its ``token``."""

    token: str
    format: FormatName
    card_id: int
    prompt: str
    input: Literal["rating", "text", "choice", "truth", "pairs"] = Field(
        description="what the answer is: a self-rating, typed text, an option, true/false, "
        "or term -> definition pairs"
    )
    options: list[OptionOut] = Field(description="options, or a matching round's definitions")
    terms: list[TermOut] = Field(description="a matching round's terms")
    statement: str = ""
    time_limit_s: float | None = None
    can_self_rate: bool = Field(description="a rating (1-4) is also accepted as the answer")


class ResponseIn(_Strict):
    """One answer; give the field that matches the question's ``input``."""

    text: str | None = Field(default=None, max_length=2000)
    choice: int | None = None
    truth: bool | None = None
    pairs: dict[int, int] | None = Field(
        default=None, description="term card id -> index of the chosen definition"
    )
    rating: int | RatingName | None = Field(default=None, description="self-rating 1-4")


class AnswerIn(ResponseIn):
    token: str
    elapsed_s: float | None = Field(default=None, ge=0, le=86_400)


class MarkOut(BaseModel):
    """The outcome for one card."""

    card_id: int
    format: str
    response: str
    correct: bool
    score: float
    verdict: Literal["correct", "partly_correct", "incorrect"]
    rating: int
    rating_name: RatingName
    explanation: str = Field(description="why: the grader's reason, or what the right answer is")
    expected: str = Field(description="the right answer (for a matching pair: that pair's)")
    found: list[str] = Field(description="key concepts of the answer that were found")
    missed: list[str] = Field(description="key concepts that were missing")
    chosen_index: int | None = Field(
        default=None, description="the option (or definition) picked, by position"
    )
    answer_index: int | None = Field(
        default=None, description="the right option (or this term's definition), by position"
    )
    confidence: float = Field(
        default=1.0, description="how sure the grader is of the verdict, 0.5-1"
    )
    self_rate: bool = Field(
        default=False,
        description="the grader is unsure: ask the learner to rate instead of suggesting",
    )


class GradeOut(BaseModel):
    token: str
    marks: list[MarkOut]


class RecordIn(_Strict):
    token: str
    overrides: dict[DbInt, int | RatingName] = Field(
        default_factory=dict, description="card id -> the learner's own rating"
    )
    duration_ms: int = Field(default=0, ge=0, le=86_400_000)


class RecordedOut(BaseModel):
    card: CardOut
    rating: int
    overridden: bool
    leech: bool


class RecordOut(BaseModel):
    recorded: list[RecordedOut]


class LearnOut(BaseModel):
    """The next Learn-mode question (none when nothing is left today, or no card left
    fits the chosen format: then ``notice`` says why)."""

    question: QuestionOut | None
    queue: QueueOut
    card: CardOut | None
    notice: str | None = None


# -- Test mode --------------------------------------------------------------------------------


class TestIn(_Strict):
    deck: str
    count: int = Field(default=10, ge=1, le=100)
    formats: list[FormatName] = Field(default_factory=list)
    seed: int | None = None


class TestOut(BaseModel):
    token: str
    deck: str
    questions: list[QuestionOut]


class TestAnswersIn(_Strict):
    responses: dict[int, ResponseIn] = Field(
        default_factory=dict, description="question number (0-based) -> answer"
    )
    record: bool = Field(default=False, description="feed every answer to the schedule")


class TestScoreOut(BaseModel):
    points: float = Field(description="sum of scores, one decimal (partly right counts a part)")
    possible: int
    percent: float
    right: int = Field(description="answers marked correct")
    partly: int = Field(description="answers marked partly correct")
    wrong: int = Field(description="answers marked incorrect (unanswered ones too)")
    summary: str = Field(examples=["8 right, 1 partly right, 2 wrong of 11: 77%"])
    marks: list[MarkOut]
    recorded: int


# -- cloze, lint, links -----------------------------------------------------------------------


class ClozeOut(BaseModel):
    note_id: int
    text: str
    gaps: list[str]
    sentence: str


class ClozeAcceptIn(_Strict):
    note_id: DbInt
    text: str = Field(min_length=1, max_length=5000, description="the suggestion, or an edit")


class ClozeAcceptOut(BaseModel):
    note_id: int
    card_ids: list[int]
    text: str


class LintOut(BaseModel):
    card_id: int
    note_id: int
    code: str
    message: str
    other_card_id: int | None


class RelatedOut(BaseModel):
    card_id: int
    term: str
    reason: str
    weight: float


class NodeOut(BaseModel):
    card_id: int
    term: str
    tags: list[str]


class EdgeOut(BaseModel):
    source: int
    target: int
    kind: Literal["mentions", "confusable"]
    weight: float


class GraphOut(BaseModel):
    deck: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
