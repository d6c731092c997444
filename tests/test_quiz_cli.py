"""The quiz commands end to end: learn, quiz test, cloze suggest, lint, related."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.conftest import NOW
from tokendeck.cli import cli
from tokendeck.collection import Collection
from tokendeck.errors import TokenDeckError

WHEN = "2026-11-27T15:00:00Z"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "c.db"
    Collection.open(path, now=NOW).close()  # installs the built-in deck
    return path


def run(db: Path, *args: str, stdin: str = "", fails: bool = False) -> Result:
    result = CliRunner().invoke(cli, ["--db", str(db), "--now", WHEN, *args], input=stdin)
    if fails:
        assert isinstance(result.exception, TokenDeckError), result.output
    else:
        assert result.exit_code == 0 and result.exception is None, result.output
    return result


def test_learn_asks_a_recognition_question_and_records_the_answer(db: Path) -> None:
    with Collection.open(db, now=NOW) as col:  # the same seed gives the same question
        view = col.next_card(NOW)
        assert view is not None
        question = col.learn_question(view.id, now=NOW, rng=random.Random(7))
    if question.format == "true_false":
        reply = "t" if question.truth else "f"
    else:
        reply = string.ascii_uppercase[question.correct or 0]
    result = run(db, "learn", "-n", "1", "--seed", "7", stdin=f"{reply}\n\n")
    assert result.exit_code == 0, result.output
    assert "correct" in result.output and "Studied 1 card." in result.output
    with Collection.open(db, now=NOW) as col:
        [logged] = col.attempts()
    assert logged.card_id == view.id and logged.attempt.format == question.format
    assert not logged.attempt.overridden


def test_learn_override_with_one_key(db: Path) -> None:
    result = run(db, "learn", "-n", "1", "--seed", "7", stdin="A\nt\n1\n")
    assert result.exit_code == 0, result.output
    with Collection.open(db, now=NOW) as col:
        [logged] = col.attempts()
    assert logged.rating == 1


def test_quiz_test_print(db: Path) -> None:
    result = run(db, "quiz", "test", "-n", "5", "--seed", "1", "--print")
    assert result.output.startswith("# Practice test: LLM Vocabulary")
    assert "## Answer key" in result.output and "\n5. " in result.output


def test_quiz_test_json(db: Path) -> None:
    data = json.loads(run(db, "quiz", "test", "-n", "3", "--seed", "1", "--json").output)
    assert data["deck"] == "LLM Vocabulary" and len(data["questions"]) == 3
    assert {"format", "card_id", "prompt", "answer", "choices"} <= set(data["questions"][0])


def test_quiz_test_interactive_scores_and_records(db: Path) -> None:
    result = run(db, "quiz", "test", "-n", "2", "--formats", "typed", "--seed", "1",
                 stdin="no idea\nsomething else\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Score: 0 / 2 (0%)" in result.output
    with Collection.open(db, now=NOW) as col:
        assert [a.rating for a in col.attempts()] == [1, 1]


def test_quiz_test_rejects_unknown_formats(db: Path) -> None:
    result = run(db, "quiz", "test", "--formats", "essay", fails=True)
    assert "cannot be in a test" in str(result.exception)


def test_cloze_suggest_and_accept(db: Path) -> None:
    listed = json.loads(run(db, "cloze", "suggest", "2", "--json").output)
    assert listed[0]["number"] == 1 and "{{c1::825 GiB}}" in listed[0]["text"]
    result = run(db, "cloze", "suggest", "2", "--accept", "1")
    assert "Added cloze note" in result.output
    with Collection.open(db, now=NOW) as col:
        clozes = [v for v in col.find_cards(now=NOW) if v.note.kind == "cloze"]
    assert clozes and clozes[0].note.source.startswith("cloze-of:")


def test_cloze_suggest_needs_a_card_or_deck(db: Path) -> None:
    result = run(db, "cloze", "suggest", fails=True)
    assert "give a card or a deck" in str(result.exception)


def test_lint_json(db: Path) -> None:
    issues = json.loads(run(db, "lint", "LLM Vocabulary", "--json").output)
    assert {"card_id": 1, "code": "noise"}.items() <= issues[0].items()


def test_related_text_and_json(db: Path) -> None:
    text = run(db, "related", "11").output
    assert "mentions      CLIP" in text
    found = json.loads(run(db, "related", "11", "--json").output)
    assert {"term": "GLIDE", "reason": "mentions"}.items() <= next(
        r for r in found if r["term"] == "GLIDE"
    ).items()
