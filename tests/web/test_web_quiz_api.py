"""In-process tests of every ``/api/v1/quiz`` endpoint and its errors (lexical grader)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.web.conftest import START, local_client
from tests.web.quiz_fixtures import TERMS, add_terms
from tests.web.test_web_api import error_of
from tokendeck.grading import Grader
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

Q = "/api/v1/quiz"


@pytest.fixture
def web_db(web_db: str | Path) -> str | Path:
    """The seeded collection plus the "Vocab" deck of terms."""
    add_terms(web_db, START)
    return web_db


@pytest.fixture
def client(web_settings: WebSettings) -> Iterator[TestClient]:
    """A client whose app grades lexically (meaning is not what these tests check)."""
    app = create_app(web_settings)
    app.state.quiz_grader = Grader(use_embeddings=False)
    with local_client(app, patient=True) as test_client:
        yield test_client


def vocab(client: TestClient) -> dict[str, int]:
    """Term -> card id of the Vocab deck."""
    cards = client.get("/api/v1/cards", params={"q": "deck:Vocab", "limit": 100}).json()["cards"]
    return {c["front"]: c["id"] for c in cards}


def question(client: TestClient, card_id: int, fmt: str, seed: int = 1) -> dict[str, Any]:
    response = client.post(f"{Q}/questions", json={"card_id": card_id, "format": fmt, "seed": seed})
    assert response.status_code == 200, response.text
    return dict(response.json())


def answer(client: TestClient, token: str, **given: Any) -> dict[str, Any]:
    response = client.post(f"{Q}/answers", json={"token": token, **given})
    assert response.status_code == 200, response.text
    return dict(response.json())


# -- questions, answers, records ----------------------------------------------------------


def test_typed_answer_is_graded_and_recorded(client: TestClient) -> None:
    card = vocab(client)["tokenizer"]
    asked = question(client, card, "typed")
    assert asked["input"] == "text" and asked["prompt"]
    assert TERMS[4][1] not in str(asked)  # the answer is not sent with the question
    graded = answer(client, asked["token"], text=TERMS[4][1], elapsed_s=3)
    (mark,) = graded["marks"]
    assert mark["verdict"] == "correct" and mark["score"] >= 0.95
    assert mark["rating_name"] == "easy"
    assert mark["confidence"] == 1.0 and mark["self_rate"] is False
    recorded = client.post(f"{Q}/records", json={"token": asked["token"]}).json()["recorded"]
    assert recorded[0]["rating"] == 4 and not recorded[0]["overridden"]
    assert recorded[0]["card"]["reps"] == 1
    info = client.get(f"/api/v1/cards/{card}/info").json()
    assert [r["rating"] for r in info["history"]] == [4]


def test_wrong_typed_answer_lists_missed_concepts(client: TestClient) -> None:
    asked = question(client, vocab(client)["embedding"], "typed")
    (mark,) = answer(client, asked["token"], text="a kind of pasta")["marks"]
    assert mark["verdict"] == "incorrect" and mark["rating_name"] == "again"
    assert mark["missed"] and mark["expected"] == TERMS[5][1]


def test_override_is_logged_as_the_rating(client: TestClient) -> None:
    card = vocab(client)["embedding"]
    asked = question(client, card, "typed")
    answer(client, asked["token"], text="no idea")
    body = {"token": asked["token"], "overrides": {str(card): "good"}}
    (done,) = client.post(f"{Q}/records", json=body).json()["recorded"]
    assert done["rating"] == 3 and done["overridden"]
    assert done["card"]["state"] != "new"


def test_multiple_choice_hides_which_option_is_right(client: TestClient) -> None:
    card = vocab(client)["CLIP"]
    asked = question(client, card, "multiple_choice")
    assert asked["input"] == "choice" and len(asked["options"]) == 4
    assert "card_id" not in asked["options"][0]
    results = [
        answer(client, asked["token"], choice=o["index"], elapsed_s=2)["marks"][0]
        for o in asked["options"]
    ]
    assert sum(m["correct"] for m in results) == 1
    assert {m["rating_name"] for m in results} == {"good", "again"}


def test_true_false_is_worth_hard_at_most(client: TestClient) -> None:
    asked = question(client, vocab(client)["tokenizer"], "true_false")
    assert asked["input"] == "truth" and asked["statement"]
    marks = [answer(client, asked["token"], truth=t)["marks"][0] for t in (True, False)]
    assert {m["correct"] for m in marks} == {True, False}
    assert {m["rating_name"] for m in marks} == {"hard", "again"}


def test_matching_round_rates_each_card(client: TestClient) -> None:
    asked = question(client, vocab(client)["CLIP"], "matching")
    assert asked["input"] == "pairs" and asked["time_limit_s"] == 60
    assert len(asked["terms"]) >= 3 and len(asked["options"]) == len(asked["terms"])
    pairs = {str(t["card_id"]): 0 for t in asked["terms"]}  # every term to the first definition
    marks = answer(client, asked["token"], pairs=pairs, elapsed_s=20)["marks"]
    assert len(marks) == len(asked["terms"]) and sum(m["correct"] for m in marks) == 1
    recorded = client.post(f"{Q}/records", json={"token": asked["token"]}).json()["recorded"]
    assert len(recorded) == len(asked["terms"])


def test_flip_and_self_rated_reverse(client: TestClient) -> None:
    ids = vocab(client)
    flip = question(client, ids["CLIP"], "flip")
    assert flip["input"] == "rating" and flip["can_self_rate"]
    assert answer(client, flip["token"], rating=3)["marks"][0]["rating_name"] == "good"
    reverse = question(client, ids["tokenizer"], "reverse")
    assert reverse["input"] == "text" and "tokenizer" not in reverse["prompt"].lower()
    assert answer(client, reverse["token"], text="tokenizer")["marks"][0]["correct"]
    assert answer(client, reverse["token"], rating="hard")["marks"][0]["rating_name"] == "hard"


def test_discrimination_between_confusable_cards(client: TestClient) -> None:
    asked = question(client, vocab(client)["GLIDE"], "discrimination")
    assert 2 <= len(asked["options"]) <= 3 and asked["input"] == "choice"


def test_question_errors(client: TestClient) -> None:
    ids = vocab(client)
    error_of(
        client.post(f"{Q}/questions", json={"card_id": 9999, "format": "typed"}), 404, "not_found"
    )
    bad = client.post(f"{Q}/questions", json={"card_id": ids["CLIP"], "format": "essay"})
    assert error_of(bad, 400, "invalid")["details"][0]["field"] == "format"
    unsuited = client.post(f"{Q}/questions", json={"card_id": ids["CLIP"], "format": "cloze"})
    assert error_of(unsuited, 400, "invalid")["hint"]
    extra = client.post(f"{Q}/questions", json={"card_id": 1, "format": "typed", "x": 1})
    error_of(extra, 400, "invalid")


def test_answer_and_record_errors(client: TestClient) -> None:
    error_of(client.post(f"{Q}/answers", json={"token": "nope", "text": "x"}), 404, "not_found")
    asked = question(client, vocab(client)["CLIP"], "multiple_choice")
    wrong_kind = client.post(f"{Q}/answers", json={"token": asked["token"], "text": "x"})
    assert "choice" in error_of(wrong_kind, 400, "invalid")["message"]
    no_option = client.post(f"{Q}/answers", json={"token": asked["token"], "choice": 9})
    error_of(no_option, 400, "invalid")
    unanswered = client.post(f"{Q}/records", json={"token": asked["token"]})
    error_of(unanswered, 400, "invalid")
    answer(client, asked["token"], choice=0)
    foreign = client.post(f"{Q}/records", json={"token": asked["token"], "overrides": {"1": 3}})
    error_of(foreign, 400, "invalid")
    bad_rating = {"token": asked["token"], "overrides": {str(asked["card_id"]): "great"}}
    error_of(client.post(f"{Q}/records", json=bad_rating), 400, "invalid")
    assert client.post(f"{Q}/records", json={"token": asked["token"]}).status_code == 200
    # Once recorded, the question is closed.
    error_of(client.post(f"{Q}/records", json={"token": asked["token"]}), 404, "not_found")


# -- Learn mode ---------------------------------------------------------------------------


def test_learn_starts_new_cards_with_recognition(client: TestClient) -> None:
    body = client.get(f"{Q}/learn/next", params={"deck": "Vocab", "seed": 3}).json()
    assert body["queue"]["new"] == len(TERMS)
    assert body["question"]["format"] in ("multiple_choice", "true_false")
    assert body["card"]["id"] == body["question"]["card_id"]


def test_learn_with_a_chosen_format_never_gives_another(client: TestClient) -> None:
    typed = client.get(f"{Q}/learn/next", params={"deck": "Vocab", "format": "typed"}).json()
    assert typed["question"]["format"] == "typed"
    cloze = client.get(f"{Q}/learn/next", params={"deck": "Vocab", "format": "cloze"}).json()
    # no cloze card: no question in another format, and the page is told why
    assert cloze["question"] is None and cloze["queue"]["new"] == len(TERMS)
    assert "Cloze" in cloze["notice"] and "not a cloze card" in cloze["notice"]
    assert "tokendeck" not in cloze["notice"]
    # with a cloze card further down the queue, that card is asked, as cloze
    note = client.get(f"/api/v1/cards/{vocab(client)['GPT-J']}").json()["note_id"]
    client.post(f"{Q}/clozes", json={"note_id": note, "text": "GPT-J has {{c1::6}} B."})
    asked = client.get(f"{Q}/learn/next", params={"deck": "Vocab", "format": "cloze"}).json()
    assert asked["question"]["format"] == "cloze" and asked["card"]["note"]["kind"] == "cloze"


def test_learn_answer_moves_the_queue(client: TestClient) -> None:
    first = client.get(f"{Q}/learn/next", params={"deck": "Maths"}).json()
    token = first["question"]["token"]
    assert first["question"]["input"] == "truth"  # one card: nothing to choose between
    client.post(f"{Q}/answers", json={"token": token, "truth": True})
    assert client.post(f"{Q}/records", json={"token": token}).status_code == 200
    after = client.get(f"{Q}/learn/next", params={"deck": "Maths"}).json()
    assert after["queue"]["new"] == 0  # the card was answered: it is learning now


def test_learn_unknown_deck(client: TestClient) -> None:
    error_of(client.get(f"{Q}/learn/next", params={"deck": "Nope"}), 404, "not_found")


# -- Test mode ----------------------------------------------------------------------------


def test_practice_test_build_and_score(client: TestClient) -> None:
    body = {"deck": "Vocab", "count": 5, "formats": ["multiple_choice", "true_false"], "seed": 2}
    made = client.post(f"{Q}/tests", json=body)
    assert made.status_code == 201
    test = made.json()
    assert len(test["questions"]) == 5
    assert {q["format"] for q in test["questions"]} <= {"multiple_choice", "true_false"}
    scored = client.post(f"{Q}/tests/{test['token']}/score", json={"responses": {}}).json()
    assert scored["points"] == 0 and scored["possible"] == 5 and scored["recorded"] == 0


def test_practice_test_records_when_asked(client: TestClient) -> None:
    made = client.post(f"{Q}/tests", json={"deck": "Vocab", "count": 2, "formats": ["typed"]})
    test = made.json()
    responses = {"0": {"text": "whatever"}, "1": {"text": ""}}
    url = f"{Q}/tests/{test['token']}/score"
    scored = client.post(url, json={"responses": responses, "record": True}).json()
    assert scored["recorded"] == 2 and len(scored["marks"]) == 2
    assert not any(m["self_rate"] for m in scored["marks"])  # both surely wrong
    error_of(client.post(url, json={"record": True}), 409, "conflict")


def test_practice_test_errors(client: TestClient) -> None:
    error_of(client.post(f"{Q}/tests", json={"deck": "Nope"}), 404, "not_found")
    error_of(client.post(f"{Q}/tests", json={"deck": "Vocab", "count": 0}), 400, "invalid")
    error_of(client.post(f"{Q}/tests", json={"deck": "Vocab", "formats": ["flip"]}), 400, "invalid")
    error_of(client.post(f"{Q}/tests/nope/score", json={}), 404, "not_found")
    test = client.post(f"{Q}/tests", json={"deck": "Vocab", "count": 1}).json()
    beyond = client.post(f"{Q}/tests/{test['token']}/score", json={"responses": {"5": {}}})
    error_of(beyond, 400, "invalid")
    single = question(client, vocab(client)["CLIP"], "flip")
    error_of(client.post(f"{Q}/tests/{single['token']}/score", json={}), 400, "invalid")
    as_question = client.post(f"{Q}/answers", json={"token": test["token"], "text": "x"})
    error_of(as_question, 400, "invalid")


# -- cloze, lint, links -------------------------------------------------------------------


def test_cloze_suggest_and_accept(client: TestClient) -> None:
    pile = vocab(client)["the Pile"]
    found = client.get(f"{Q}/clozes", params={"card_id": pile}).json()
    assert found and "{{c1::" in found[0]["text"]
    edited = found[0]["text"].replace("open-source ", "")
    made = client.post(f"{Q}/clozes", json={"note_id": found[0]["note_id"], "text": edited})
    assert made.status_code == 201
    assert made.json()["text"] == edited and made.json()["card_ids"]
    again = client.get(f"{Q}/clozes", params={"deck": "Vocab"}).json()
    assert edited not in [s["text"] for s in again]
    cloze_card = made.json()["card_ids"][0]
    assert question(client, cloze_card, "cloze")["input"] == "text"


def test_cloze_errors(client: TestClient) -> None:
    error_of(client.get(f"{Q}/clozes"), 400, "invalid")
    error_of(client.get(f"{Q}/clozes", params={"card_id": 9999}), 404, "not_found")
    gapless = client.post(f"{Q}/clozes", json={"note_id": 1, "text": "no gap here"})
    assert "c1" in error_of(gapless, 400, "invalid")["hint"]
    error_of(
        client.post(f"{Q}/clozes", json={"note_id": 9999, "text": "{{c1::x}}"}), 404, "not_found"
    )


def test_lint_flags_noise(client: TestClient) -> None:
    note = {"deck": "Vocab", "front": "RLHF", "back": "TODO (Made with ChatGPT)"}
    assert client.post("/api/v1/notes", json=note).status_code == 201
    issues = client.get(f"{Q}/lint", params={"deck": "Vocab"}).json()
    assert {i["code"] for i in issues if i["card_id"] == vocab(client)["RLHF"]} == {"noise"}
    assert all(i["message"] for i in issues)
    error_of(client.get(f"{Q}/lint", params={"deck": "Nope"}), 404, "not_found")
    error_of(client.get(f"{Q}/lint"), 400, "invalid")


def test_related_cards_by_mention(client: TestClient) -> None:
    ids = vocab(client)
    related = client.get(f"{Q}/cards/{ids['DALL-E 2']}/related").json()
    terms = {r["term"] for r in related}
    assert {"CLIP", "diffusion model"} <= terms
    error_of(client.get(f"{Q}/cards/9999/related"), 404, "not_found")


def test_concept_graph(client: TestClient) -> None:
    body = client.get(f"{Q}/graph", params={"deck": "Vocab"}).json()
    assert body["deck"] == "Vocab" and len(body["nodes"]) == len(TERMS)
    ids = vocab(client)
    assert {"source": ids["GPT-J"], "target": ids["the Pile"]} in [
        {"source": e["source"], "target": e["target"]}
        for e in body["edges"]
        if e["kind"] == "mentions"
    ]
    error_of(client.get(f"{Q}/graph", params={"deck": "Nope"}), 404, "not_found")


def test_learn_rejects_an_unknown_format(client: TestClient) -> None:
    bad = client.get(f"{Q}/learn/next", params={"deck": "Vocab", "format": "essay"})
    assert error_of(bad, 400, "invalid")["details"][0]["field"] == "format"


def test_questions_belong_to_their_user(web_db: str | Path) -> None:
    from tokendeck.collection import Collection
    from tokendeck.errors import NotFoundError
    from tokendeck.web.quiz.store import Entry, QuizStore

    store = QuizStore()
    with Collection.open(web_db, now=START, install_builtin=False) as col:
        token = store.add(col, Entry("ann"), now=START)
        assert store.get(col, token, "ann").user == "ann"
        with pytest.raises(NotFoundError, match="no longer open"):
            store.get(col, token, "bob")
        store.drop(col, token)
        with pytest.raises(NotFoundError, match="no longer open"):
            store.get(col, token, "ann")


class _UnsureJudge:
    """An answer judge that always says "maybe" (P(correct) about 0.55)."""

    def features(self, references: object, question: object, answer: object) -> dict[str, float]:
        return {"score": 0.2}


def test_practice_test_leaves_unsure_grades_for_the_learner(web_settings: WebSettings) -> None:
    from tokendeck.grading.calibration import Calibration
    from tokendeck.grading.judge import JudgeConfig

    app = create_app(web_settings)
    calibration = Calibration(("score",), (0.0,), (1.0,), (1.0,), 0.0)
    app.state.quiz_grader = Grader(judge=_UnsureJudge(), judge_config=JudgeConfig(calibration))
    with local_client(app, patient=True) as unsure:  # 202 while the deck is prepared
        made = unsure.post(f"{Q}/tests", json={"deck": "Vocab", "count": 1, "formats": ["typed"]})
        url = f"{Q}/tests/{made.json()['token']}/score"
        answer_text = "it is the thing that turns the words into many little pieces"
        body = {"responses": {"0": {"text": answer_text}}, "record": True}
        scored = unsure.post(url, json=body).json()
    (mark,) = scored["marks"]
    assert mark["self_rate"] is True and 0.5 <= mark["confidence"] < 0.7
    assert scored["recorded"] == 0  # left for the learner to rate in Learn
