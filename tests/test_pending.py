"""Open questions: kept by the collection between showing and marking, per user, bounded."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import NOW
from tokendeck.collection import Collection, pending
from tokendeck.errors import NotFoundError
from tokendeck.storage import pending as stored_pending


def test_a_kept_question_is_found_updated_and_closed(col: Collection) -> None:
    token = col.keep_open({"question": "2 + 2", "marks": []}, now=NOW)
    assert col.open_question(token) == {"question": "2 + 2", "marks": []}
    col.update_open(token, {"question": "2 + 2", "marks": [4]})
    assert col.open_question(token) == {"question": "2 + 2", "marks": [4]}
    col.close_question(token)
    with pytest.raises(NotFoundError, match="no longer open"):
        col.open_question(token)


def test_unknown_tokens_are_not_found(col: Collection) -> None:
    with pytest.raises(NotFoundError, match="no longer open"):
        col.open_question("made-up")


def test_the_oldest_go_beyond_the_limit(col: Collection, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pending, "MEMORY_LIMIT", 2)
    monkeypatch.setattr(stored_pending, "KEEP_PER_USER", 2)
    tokens = [col.keep_open(n, now=NOW.replace(minute=n)) for n in range(3)]
    with pytest.raises(NotFoundError):
        col.open_question(tokens[0])
    assert [col.open_question(t) for t in tokens[1:]] == [1, 2]


def test_another_users_question_is_not_found(location: str | Path) -> None:
    with Collection.open(location, user="ann", now=NOW, install_builtin=False) as ann:
        token = ann.keep_open("ann's", now=NOW)
        with (
            Collection.open(location, user="bob", now=NOW, install_builtin=False) as bob,
            pytest.raises(NotFoundError),
        ):
            bob.open_question(token)
        assert ann.open_question(token) == "ann's"


@pytest.mark.postgres
def test_a_question_kept_by_one_process_is_marked_by_another(postgres_url: str) -> None:
    with (
        Collection.open(postgres_url, user="ann", now=NOW, install_builtin=False) as shown,
        Collection.open(postgres_url, user="ann", now=NOW, install_builtin=False) as marked,
        Collection.open(postgres_url, user="bob", now=NOW, install_builtin=False) as bob,
    ):
        token = shown.keep_open("ann's question", now=NOW)
        assert marked.open_question(token) == "ann's question"
        with pytest.raises(NotFoundError):
            bob.open_question(token)
