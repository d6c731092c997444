"""Classes and shared decks: joining, publishing, versions that reach learners with their
progress kept, edits kept beside the author's text, removed notes suspended, the built-in
deck, and what the teacher sees (only the class's decks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.server.conftest import START, make_account, token_for
from tokendeck.collection import Collection
from tokendeck.domain.accounts import Account, Role
from tokendeck.domain.cards import Rating
from tokendeck.errors import ConflictError, ForbiddenError, NotFoundError, RateLimitedError
from tokendeck.server import Server
from tokendeck.server.classes import MAX_BAD_CODES, hardest_csv, progress_csv
from tokendeck.sync.client import Response
from tokendeck.sync.protocol import INFO

LATER = START + timedelta(hours=2)


def _setup(server: Server) -> tuple[Account, Account, Account, Collection, int, int]:
    teacher = make_account(server, "tess", Role.TEACHER)
    ada, bob = make_account(server, "ada"), make_account(server, "bob")
    tcol = server.collection(teacher)
    tcol.update_settings(timezone="UTC")
    for i in range(4):
        tcol.add_note("Biology", f"question {i}", f"answer {i}", now=START)
    school_class = server.classes.create(teacher, "Biology 2B", now=START)
    for learner in (ada, bob):
        server.classes.join(learner, school_class.join_code, now=START)
    publication = server.sharing.publish_deck(teacher, tcol, school_class.id, "Biology", now=START)
    return teacher, ada, bob, tcol, school_class.id, publication.id


def _learner(server: Server, account: Account) -> Collection:
    col = server.collection(account)
    col.update_settings(timezone="UTC")
    server.sharing.sync(account, col, now=START)
    return col


def _texts(col: Collection, deck: str) -> dict[str, tuple[str, bool, int]]:
    found = {}
    for card in col.cards(deck):
        note = col.note(card.note_id)
        found[note.front] = (note.back, card.suspended, card.reps)
    return found


def test_only_teachers_create_classes_and_codes_join_them(server: Server) -> None:
    ada = make_account(server, "ada")
    with pytest.raises(ForbiddenError):
        server.classes.create(ada, "Mine", now=START)
    teacher = make_account(server, "tess", Role.TEACHER)
    created = server.classes.create(teacher, "  Biology   2B ", now=START)
    assert created.name == "Biology 2B" and len(created.join_code) == 8
    with pytest.raises(ConflictError):
        server.classes.create(teacher, "Biology 2B", now=START)
    code = created.join_code.lower()
    joined = server.classes.join(ada, f"{code[:4]} {code[4:]}", now=START)
    assert joined.id == created.id and joined.learners == 1
    assert server.classes.visible(ada) == ([], [joined])
    with pytest.raises(ConflictError, match="you teach"):
        server.classes.join(teacher, created.join_code, now=START)
    renewed = server.classes.new_code(teacher, created.id)
    with pytest.raises(NotFoundError):
        server.classes.join(make_account(server, "bob"), created.join_code, now=START)
    assert renewed.join_code != created.join_code


def test_guessing_join_codes_is_rate_limited(server: Server) -> None:
    ada = make_account(server, "ada")
    for _ in range(MAX_BAD_CODES):
        with pytest.raises(NotFoundError):
            server.classes.join(ada, "ZZZZZZZZ", now=START)
    with pytest.raises(RateLimitedError):
        server.classes.join(ada, "ZZZZZZZZ", now=START)


def test_a_class_is_invisible_to_everyone_but_its_teacher_and_learners(server: Server) -> None:
    teacher, ada, _, _, class_id, publication_id = _setup(server)
    stranger = make_account(server, "cy1")
    other_teacher = make_account(server, "tom", Role.TEACHER)
    for outsider in (stranger, other_teacher):
        with pytest.raises(NotFoundError):
            server.classes.get(outsider, class_id)
        with pytest.raises(NotFoundError):
            server.sharing.versions(outsider, publication_id)
    for insider in (teacher, ada):
        assert server.classes.get(insider, class_id).id == class_id
    with pytest.raises(NotFoundError):  # learners do not see the progress of others
        server.classes.progress(ada, class_id, now=START)
    with pytest.raises(NotFoundError):
        server.classes.progress(other_teacher, class_id, now=START)


def test_joining_brings_the_class_decks_on_the_next_visit(server: Server) -> None:
    _, ada, _, _, _, _ = _setup(server)
    col = _learner(server, ada)
    assert _texts(col, "Biology") == {f"question {i}": (f"answer {i}", False, 0) for i in range(4)}
    assert server.sharing.sync(ada, col, now=START) == 0  # nothing new: nothing done


def test_an_update_keeps_history_and_schedule_and_respects_edits_and_removals(
    server: Server,
) -> None:
    teacher, ada, _, tcol, _, publication_id = _setup(server)
    col = _learner(server, ada)
    for _ in range(4):
        view = col.next_card(START, "Biology")
        assert view is not None
        col.answer(view.card.id, Rating.GOOD, now=START)
    before = {c.id: c for c in col.cards("Biology")}
    history = len(list(col.reviews()))
    mine = col.note_by_guid(tcol.note(_note_ids(tcol)[0]).guid)
    assert mine is not None
    col.edit_note(mine.id, now=START, back="my own words")

    ids = _note_ids(tcol)
    tcol.edit_note(ids[0], now=START, back="answer 0, revised")  # ada edited this one
    tcol.edit_note(ids[1], now=START, back="answer 1, revised")
    tcol.delete_note(ids[2])
    tcol.add_note("Biology", "question 4", "answer 4", now=START)
    version = server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
    assert version is not None and (version.added, version.changed, version.deleted) == (1, 2, 1)
    assert server.sharing.publish_changes(teacher, tcol, publication_id, now=START) is None

    assert server.sharing.sync(ada, col, now=LATER) == 1
    texts = _texts(col, "Biology")
    assert texts["question 0"] == ("my own words", False, 1)
    assert texts["question 1"] == ("answer 1, revised", False, 1)
    assert texts["question 2"][1] is True  # removed by the author: suspended, not deleted
    assert texts["question 3"] == ("answer 3", False, 1)
    assert texts["question 4"] == ("answer 4", False, 0)
    assert len(list(col.reviews())) == history
    for card in col.cards("Biology"):
        if card.id in before:
            assert (card.due, card.stability, card.reps) == (
                before[card.id].due,
                before[card.id].stability,
                before[card.id].reps,
            )
    [conflict] = server.sharing.conflicts(ada, col)
    assert (conflict.mine_back, conflict.theirs.back) == ("my own words", "answer 0, revised")


def test_the_learner_chooses_between_their_edit_and_the_authors_text(server: Server) -> None:
    teacher, ada, bob, tcol, _, publication_id = _setup(server)
    ids = _note_ids(tcol)
    cols = {a.name: _learner(server, a) for a in (ada, bob)}
    for account in (ada, bob):
        note = cols[account.name].note_by_guid(tcol.note(ids[0]).guid)
        assert note is not None
        cols[account.name].edit_note(note.id, now=START, back=f"{account.name}'s words")
    tcol.edit_note(ids[0], now=START, back="the author's words")
    server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
    for account in (ada, bob):
        server.sharing.sync(account, cols[account.name], now=LATER)
    [waiting] = server.sharing.conflicts(ada, cols["ada"])
    kept = server.sharing.resolve(ada, cols["ada"], waiting.note_id, "mine", now=LATER)
    assert kept.back == "ada's words"
    [waiting] = server.sharing.conflicts(bob, cols["bob"])
    taken = server.sharing.resolve(bob, cols["bob"], waiting.note_id, "theirs", now=LATER)
    assert taken.back == "the author's words"
    assert server.sharing.conflicts(ada, cols["ada"]) == []
    assert server.sharing.conflicts(bob, cols["bob"]) == []
    with pytest.raises(NotFoundError):
        server.sharing.resolve(ada, cols["ada"], waiting.note_id, "mine", now=LATER)
    # bob took the author's text, so the next change reaches him without asking
    tcol.edit_note(ids[0], now=START, back="the author's words, again")
    server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
    server.sharing.sync(bob, cols["bob"], now=LATER)
    assert _texts(cols["bob"], "Biology")["question 0"][0] == "the author's words, again"
    server.sharing.sync(ada, cols["ada"], now=LATER)
    assert _texts(cols["ada"], "Biology")["question 0"][0] == "ada's words"
    assert len(server.sharing.conflicts(ada, cols["ada"])) == 1


def test_a_restored_note_comes_back_and_a_note_the_learner_deleted_stays_deleted(
    server: Server,
) -> None:
    teacher, ada, _, tcol, _, publication_id = _setup(server)
    col = _learner(server, ada)
    ids = _note_ids(tcol)
    removed = tcol.note(ids[0])
    tcol.delete_note(ids[0])
    server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
    server.sharing.sync(ada, col, now=LATER)
    assert _texts(col, "Biology")["question 0"][1] is True
    tcol.add_note("Biology", removed.front, removed.back, guid=removed.guid, now=START)
    own = col.note_by_guid(tcol.note(ids[1]).guid)
    assert own is not None
    col.delete_note(own.id)
    tcol.edit_note(ids[1], now=START, back="answer 1, revised")
    server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
    server.sharing.sync(ada, col, now=LATER)
    texts = _texts(col, "Biology")
    assert texts["question 0"][1] is False
    assert "question 1" not in texts


def test_an_admin_publishes_the_builtin_deck_which_follows_new_versions(server: Server) -> None:
    admin = server.accounts.login("root1", "correct horse battery", now=START)
    teacher, ada, _, _, class_id, _ = _setup(server)
    with pytest.raises(ForbiddenError):
        server.sharing.publish_builtin(teacher, class_id, now=START)
    publication = server.sharing.publish_builtin(admin, class_id, now=START)
    assert publication.source == "builtin" and publication.version == 1
    col = _learner(server, ada)
    from tokendeck.builtin.deck import load_builtin

    shipped = load_builtin()
    guids = {n.guid for n in shipped.package.notes}
    assert guids == {col.note(c.note_id).guid for c in col.cards(shipped.deck)}
    assert server.sharing.refresh_builtin(now=START) == 0  # same text: no new version
    server.store.db.execute(
        "UPDATE published_notes SET back='stale' WHERE publication_id=?", (publication.id,)
    )
    assert server.sharing.refresh_builtin(now=START) == 1
    assert server.store.publications.get(publication.id).version == 2  # type: ignore[union-attr]


def test_the_teacher_sees_progress_on_class_decks_only_and_hardest_cards(server: Server) -> None:
    teacher, ada, bob, _, class_id, _ = _setup(server)
    col = _learner(server, ada)
    _learner(server, bob)
    col.add_note("Private", "my secret card", "=HYPERLINK(evil)", now=START)
    for card in col.cards("Private"):
        col.answer(card.id, Rating.AGAIN, now=START)
    for card in col.cards("Biology"):
        col.answer(card.id, Rating.AGAIN, now=START)
    moment = START + timedelta(minutes=20)
    hard = col.cards("Biology")[0]
    for _ in range(3):
        col.answer(hard.id, Rating.AGAIN, now=moment)
        moment += timedelta(minutes=20)
    rows = {r.name: r for r in server.classes.progress(teacher, class_id, now=moment)}
    assert rows["ada"].reviews == 4 + 3 and rows["ada"].last_active is not None
    assert rows["bob"].reviews == 0 and rows["bob"].new_cards == 4
    assert rows["bob"].last_active is None
    hardest = server.classes.hardest(teacher, class_id)
    assert [h.front for h in hardest] == [col.note(hard.note_id).front]
    assert hardest[0].again == 4 and hardest[0].reviews == 4
    exported = progress_csv(rows.values()) + hardest_csv(hardest)
    assert "secret" not in exported and "Private" not in exported
    assert "question" in exported
    assert progress_csv([]).startswith("learner,reviews")
    server.classes.leave(ada, class_id)
    assert [r.name for r in server.classes.progress(teacher, class_id, now=moment)] == ["bob"]
    assert "Biology" in {d.name for d in col.decks()}  # her copy stays hers


def test_csv_cells_cannot_become_spreadsheet_formulas() -> None:
    from tokendeck.domain.classes import HardCard

    text = hardest_csv([HardCard("g", "=1+1", "@x", "-d", 1, 3, 1)])
    assert "'=1+1" in text and "'@x" in text and "'-d" in text


def _note_ids(col: Collection) -> list[int]:
    return sorted({c.note_id for c in col.cards("Biology")})


class _Through:
    """A sync transport over the test client, with a learner's API token."""

    url = "https://testserver"

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.paths: list[str] = []

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        headers = {**self.headers, **({"Content-Type": content_type} if content_type else {})}
        answer = self.client.request(method, path, content=body, headers=headers)
        self.paths.append(path)
        return Response(answer.status_code, answer.content, answer.headers.get("content-type", ""))


def test_a_device_syncing_without_reading_info_still_gets_the_new_class_deck_version(
    server: Server, app_factory: Callable[[], Any], tmp_path: Path
) -> None:
    teacher, _, _, tcol, _, publication_id = _setup(server)
    with TestClient(app_factory(), base_url="https://testserver") as client:
        link = _Through(client, token_for(client, "ada"))
        with Collection.open(tmp_path / "ada.db", now=START, install_builtin=False) as device:
            device.sync(now=START, transport=link)
            assert set(_texts(device, "Biology")) == {f"question {i}" for i in range(4)}
            tcol.add_note("Biology", "question 4", "answer 4", now=START)
            server.sharing.publish_changes(teacher, tcol, publication_id, now=START)
            link.paths.clear()
            device.sync(now=LATER, transport=link)
            assert INFO not in link.paths  # a device that synced before skips it
            assert "question 4" in _texts(device, "Biology")
