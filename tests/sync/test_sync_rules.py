"""The documented rules, one by one: skewed clocks, delete versus edit, leeches, class decks,
versions, a full disk, a clock far ahead."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NOW
from tests.sync.harness import InProcess, local_uids, summary_is_true, view
from tokendeck.collection import Collection
from tokendeck.domain.cards import Card, Rating
from tokendeck.errors import DiskFullError, SyncError, SyncVersionError
from tokendeck.sync.client import Response
from tokendeck.sync.protocol import INFO, PROTOCOL, PULL, PUSH
from tokendeck.transfer.package import NoteRecord, NoteTypeRecord, Package, TemplateRecord

HOURS = timedelta(hours=1)


class Pair:
    """A server collection and two devices; the phone's clock runs three hours slow."""

    def __init__(self, tmp: Path) -> None:
        self.server = Collection.open(tmp / "s.db", user="ann", now=NOW, install_builtin=False)
        self.server.update_settings(timezone="UTC")
        self.time = NOW
        self.link = InProcess(self.server, lambda: self.time)
        self.laptop = Collection.open(tmp / "laptop.db", now=NOW, install_builtin=False)
        self.phone = Collection.open(tmp / "phone.db", now=NOW, install_builtin=False)
        for col in (self.laptop, self.phone):
            col.update_settings(timezone="UTC")

    def sync(self, *cols: Collection) -> None:
        for col in cols:
            skew = -3 * HOURS if col is self.phone else timedelta(0)
            col.sync(now=self.time + skew, transport=self.link)

    def settle(self) -> None:
        self.sync(self.laptop, self.phone, self.laptop)

    def close(self) -> None:
        for col in (self.laptop, self.phone, self.server):
            col.close()


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[Pair]:
    made = Pair(tmp_path)
    yield made
    made.close()


def _twin(col: Collection, note_id: int, other: Collection) -> int:
    found = other.note_by_guid(col.note(note_id).guid)
    assert found is not None
    return found.id


# -- clocks ----------------------------------------------------------------------------------
def test_an_edit_made_after_seeing_another_wins_on_a_clock_three_hours_slow(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.settle()
    pair.time = NOW + 5 * HOURS
    pair.laptop.edit_note(note.id, back="to talk", now=pair.time)
    pair.sync(pair.laptop, pair.phone)  # the phone has seen the laptop's edit...
    pair.time += 10 * timedelta(minutes=1)
    mine = _twin(pair.laptop, note.id, pair.phone)
    # ...and edits after it, though its clock says three hours earlier.
    pair.phone.edit_note(mine, back="to speak, to talk", now=pair.time - 3 * HOURS)
    pair.settle()
    assert pair.laptop.note(note.id).back == "to speak, to talk"
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def test_a_push_from_a_clock_days_ahead_is_refused_with_what_to_do(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "uno", "one", now=NOW)
    pair.laptop.edit_note(note.id, back="one!", now=NOW + timedelta(days=3))  # a wrong date
    with pytest.raises(SyncError, match="clock is 72 hours ahead") as caught:
        pair.sync(pair.laptop)
    assert "date and time" in str(caught.value.hint)


# -- delete versus edit ----------------------------------------------------------------------
def test_a_deletion_beats_an_offline_edit_and_keeps_its_answers(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "comer", "to eat", now=NOW)
    pair.settle()
    mine = _twin(pair.laptop, note.id, pair.phone)
    pair.laptop.delete_note(note.id)  # deleted on the laptop...
    pair.time = NOW + HOURS
    pair.phone.edit_note(mine, back="to eat (up)", now=pair.time)  # ...edited offline later
    card = pair.phone.cards_of_note(mine)[0]
    pair.phone.answer(card.id, Rating.GOOD, now=pair.time)  # ...and answered
    answered = local_uids(pair.phone)
    guid = pair.phone.note(mine).guid
    pair.sync(pair.laptop, pair.phone, pair.laptop)
    for col in (pair.laptop, pair.phone, pair.server):
        assert col.note_by_guid(guid) is None
        assert answered <= set(view(col)["reviews"])  # the answer is in every log
    history = pair.server.store.sync_write.history(guid)
    assert ("back", "to eat (up)") in [(field, value) for field, value, *_ in history]
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def test_a_note_imported_again_after_its_deletion_lives(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "beber", "to drink", now=NOW, guid="fixed-guid")
    pair.settle()
    pair.laptop.delete_note(note.id)
    pair.settle()
    assert pair.phone.note_by_guid("fixed-guid") is None
    pair.time = NOW + 2 * HOURS
    pair.phone.add_note("Spanish", "beber", "to drink", now=pair.time, guid="fixed-guid")
    pair.settle()
    assert pair.laptop.note_by_guid("fixed-guid") is not None
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


# -- note types ------------------------------------------------------------------------------
def _vocab(
    fields: list[str], notes: list[tuple[str, str]], css: str = ".card { color: navy }"
) -> Package:
    """A package of notes of an Anki note type "Vocab" (two templates: two cards a note)."""
    first, second = ("{{" + name + "}}" for name in fields[:2])
    templates = [
        TemplateRecord("Recognise", first, "{{FrontSide}}<hr>" + second),
        TemplateRecord("Recall", second, "{{FrontSide}}<hr>" + first),
    ]
    kind = NoteTypeRecord("Vocab", fields, templates, css=css, id=1234)
    records = [
        NoteRecord(front, back, deck="Words", guid=f"vocab-{front}", note_type="Vocab",
                   fields=dict(zip(fields, (front, back, "")[: len(fields)], strict=True)),
                   format="html")
        for front, back in notes
    ]  # fmt: skip
    return Package(notes=records, note_types=[kind], source="test")


def test_notes_of_an_anki_note_type_arrive_with_it_and_render_alike(pair: Pair) -> None:
    package = _vocab(["Word", "Meaning", "Example"], [("perro", "dog"), ("gato", "cat")])
    pair.laptop.import_package(package, now=NOW)
    pair.settle()
    [kind] = pair.phone.note_types()
    assert kind.name == "Vocab" and kind.field_names == ("Word", "Meaning", "Example")
    assert kind.css == ".card { color: navy }" and len(kind.templates) == 2
    for note_id in _note_ids(pair.laptop):
        twin = _twin(pair.laptop, note_id, pair.phone)
        assert pair.phone.note(twin).note_type_id == kind.id
        assert pair.phone.note(twin).format == "html"
        mine = [pair.laptop.card(c.id) for c in _by_ordinal(pair.laptop.cards_of_note(note_id))]
        theirs = [pair.phone.card(c.id) for c in _by_ordinal(pair.phone.cards_of_note(twin))]
        assert len(mine) == len(theirs) == 2
        assert [c.face.question_html for c in theirs] == [c.face.question_html for c in mine]
        assert [c.face.answer_html for c in theirs] == [c.face.answer_html for c in mine]
        assert "perro" in mine[0].face.question_html or "gato" in mine[0].face.question_html
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def _by_ordinal(cards: list[Card]) -> list[Card]:
    return sorted(cards, key=lambda c: c.ordinal)


def test_a_note_type_imported_on_two_devices_is_one_and_its_restyling_travels(
    pair: Pair,
) -> None:
    pair.laptop.import_package(_vocab(["Word", "Meaning"], [("uno", "one")]), now=NOW)
    pair.phone.import_package(_vocab(["Word", "Meaning"], [("dos", "two")]), now=NOW)
    pair.settle()
    assert [t.name for t in pair.laptop.note_types()] == ["Vocab"]
    assert [t.name for t in pair.phone.note_types()] == ["Vocab"]
    # The phone imports the deck again with new styling: the note type is updated there...
    pair.time = NOW + HOURS
    restyled = _vocab(["Word", "Meaning"], [("dos", "two")], css=".card { color: teal }")
    pair.phone.import_package(restyled, now=pair.time)
    pair.settle()
    [kind] = pair.laptop.note_types()  # ...and on the laptop after a sync
    assert kind.css == ".card { color: teal }"
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def test_two_note_types_of_one_name_but_other_fields_stay_two(pair: Pair) -> None:
    pair.laptop.import_package(_vocab(["Word", "Meaning"], [("tres", "three")]), now=NOW)
    pair.phone.import_package(_vocab(["Word", "Meaning", "Example"], [("cuatro", "four")]), now=NOW)
    pair.settle()
    names = sorted(t.name for t in pair.laptop.note_types())
    assert names == sorted(t.name for t in pair.phone.note_types()) == ["Vocab", "Vocab (2)"]
    for col in (pair.laptop, pair.phone):  # each note keeps the fields it was written with
        types = {t.id: t for t in col.note_types()}
        for note_id in _note_ids(col):
            note = col.note(note_id)
            assert note.note_type_id is not None
            assert tuple(note.fields) == types[note.note_type_id].field_names
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


# -- the same answers under other ids --------------------------------------------------------
def _with_history() -> Package:
    """A note whose card was answered twice before it was imported (as from Anki)."""
    from tokendeck.transfer.package import CardRecord, ReviewRecord

    last = NOW - timedelta(days=10)
    answers = [ReviewRecord(last - timedelta(days=3), 3, 4000), ReviewRecord(last, 3, 5000)]
    card = CardRecord(state="review", due=NOW, stability=5.0, difficulty=5.0, last_review=last,
                      reps=2, reviews=answers)  # fmt: skip
    return Package(notes=[NoteRecord("el río", "the river", deck="Geo", guid="rio", cards=[card])])


def test_history_imported_on_two_devices_is_in_every_log_once(pair: Pair) -> None:
    pair.laptop.import_package(_with_history(), now=NOW)
    pair.phone.import_package(_with_history(), now=NOW)
    pair.settle()
    for col in (pair.laptop, pair.phone, pair.server):
        assert len(view(col)["reviews"]) == 2
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def test_a_collection_restored_from_a_json_backup_syncs_without_doubling_answers(
    pair: Pair, tmp_path: Path
) -> None:
    from tokendeck.formats import backup

    note = pair.laptop.add_note("Spanish", "nadar", "to swim", now=NOW, reverse=True)
    for card in pair.laptop.cards_of_note(note.id):
        pair.laptop.answer(card.id, Rating.GOOD, now=NOW)
    pair.settle()
    backup.write_file(pair.laptop.export_package(full=True), tmp_path / "b.zip", now=NOW)
    restored = tmp_path / "restored.db"
    Collection.restore(restored, backup.read(tmp_path / "b.zip", source="b.zip"), now=NOW)
    with Collection.open(restored, now=NOW) as again:
        again.sync(now=NOW + HOURS, transport=pair.link)  # a new device, with its answers
        pair.settle()
        assert len(view(again)["reviews"]) == 2 == len(view(pair.server)["reviews"])
        assert view(again) == view(pair.laptop) == view(pair.server)


# -- copies and restored files ---------------------------------------------------------------
def test_a_copy_of_a_collection_file_syncs_as_a_device_of_its_own(
    pair: Pair, tmp_path: Path
) -> None:
    import shutil

    notes = [pair.laptop.add_note("Spanish", w, w.upper(), now=NOW) for w in ("a", "b", "c")]
    pair.sync(pair.laptop)
    pair.laptop.close()
    shutil.copy(tmp_path / "laptop.db", tmp_path / "desk.db")  # the same replica, twice
    pair.laptop = Collection.open(tmp_path / "laptop.db", now=NOW, install_builtin=False)
    desk = Collection.open(tmp_path / "desk.db", now=NOW, install_builtin=False)
    try:
        pair.time = NOW + HOURS
        first, second = (pair.laptop.cards_of_note(n.id)[0] for n in notes[:2])
        pair.laptop.answer(first.id, Rating.GOOD, now=pair.time)
        pair.laptop.edit_note(notes[2].id, back="from the laptop", now=pair.time)
        pair.sync(pair.laptop)
        desk.answer(second.id, Rating.EASY, now=pair.time + 5 * timedelta(minutes=1))
        desk.add_note("Spanish", "d", "D", now=pair.time)
        mine = local_uids(desk)
        desk.sync(now=pair.time, transport=pair.link)  # told it is a copy: a new device
        pair.sync(pair.laptop, pair.phone)
        desk.sync(now=pair.time, transport=pair.link)
        assert desk.note(notes[2].id).back == "from the laptop"  # what the laptop sent after
        for col in (pair.laptop, pair.phone, desk, pair.server):
            assert len(view(col)["reviews"]) == 2 and len(view(col)["notes"]) == 4
        assert mine <= set(view(pair.server)["reviews"])
        assert view(desk) == view(pair.laptop) == view(pair.phone) == view(pair.server)
    finally:
        desk.close()


def test_a_collection_restored_from_a_snapshot_gets_back_what_it_synced_since(
    pair: Pair, tmp_path: Path
) -> None:
    note = pair.laptop.add_note("Spanish", "correr", "to run", now=NOW)
    pair.sync(pair.laptop)
    pair.laptop.write_snapshot(tmp_path / "snapshot.zip", now=NOW)
    card = pair.laptop.cards_of_note(note.id)[0]
    pair.time = NOW + HOURS
    pair.laptop.answer(card.id, Rating.GOOD, now=pair.time)  # answered and synced after it
    pair.laptop.edit_note(note.id, back="to run, to jog", now=pair.time)
    pair.sync(pair.laptop)
    synced = view(pair.server)
    pair.laptop.close()
    Collection.restore_snapshot(tmp_path / "laptop.db", tmp_path / "snapshot.zip", now=pair.time)
    pair.laptop = Collection.open(tmp_path / "laptop.db", now=pair.time, install_builtin=False)
    assert view(pair.laptop)["reviews"] == {}  # as it was
    pair.sync(pair.laptop)
    assert pair.laptop.note(note.id).back == "to run, to jog"
    assert view(pair.laptop) == view(pair.server) == synced


# -- statistics ------------------------------------------------------------------------------
def test_the_statistics_summary_follows_what_a_sync_brings(pair: Pair) -> None:
    notes = [pair.laptop.add_note("Spanish", w, w.upper(), now=NOW) for w in ("x", "y", "z")]
    pair.settle()
    pair.time = NOW + HOURS
    for note in notes:
        for card in pair.laptop.cards_of_note(note.id):
            pair.laptop.answer(card.id, Rating.GOOD, now=pair.time)
    twins = [_twin(pair.laptop, n.id, pair.phone) for n in notes]
    pair.phone.answer(pair.phone.cards_of_note(twins[0])[0].id, Rating.AGAIN, now=pair.time)
    pair.phone.move_cards([pair.phone.cards_of_note(twins[1])[0].id], "Verbs", now=pair.time)
    pair.phone.delete_note(twins[2])  # its answers (one from the laptop) stay in the log
    pair.settle()
    for col in (pair.laptop, pair.phone, pair.server):
        assert len(view(col)["reviews"]) == 4
        assert summary_is_true(col)


# -- leeches and suspensions -----------------------------------------------------------------
def test_a_leech_found_on_one_device_is_suspended_and_tagged_everywhere(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "ojalá", "hopefully", now=NOW)
    pair.laptop.update_deck(pair.laptop.deck("Spanish").id, now=NOW, leech_threshold=2)
    card = pair.laptop.cards_of_note(note.id)[0]
    when = NOW
    for rating in (Rating.GOOD, Rating.GOOD, Rating.AGAIN, Rating.GOOD, Rating.AGAIN):
        when += timedelta(days=3)
        pair.laptop.answer(card.id, rating, now=when)
    assert pair.laptop.card(card.id).card.suspended
    pair.time = when
    pair.settle()
    twin = pair.phone.cards_of_note(_twin(pair.laptop, note.id, pair.phone))[0]
    assert twin.suspended and "leech" in pair.phone.note(twin.note_id).tags
    assert view(pair.laptop) == view(pair.phone)


def test_suspending_and_moving_on_two_devices_both_hold(pair: Pair) -> None:
    note = pair.laptop.add_note("Spanish", "tener", "to have", now=NOW)
    pair.settle()
    card = pair.laptop.cards_of_note(note.id)[0]
    twin = pair.phone.cards_of_note(_twin(pair.laptop, note.id, pair.phone))[0]
    pair.laptop.suspend([card.id], now=NOW + HOURS)
    pair.phone.move_cards([twin.id], "Verbs", now=NOW + HOURS)
    pair.settle()
    moved = pair.laptop.card(card.id)
    assert moved.card.suspended and moved.deck_name == "Verbs"
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


def test_flags_travel_and_the_later_flag_wins(pair: Pair) -> None:
    first = pair.laptop.add_note("Spanish", "rojo", "red", now=NOW)
    second = pair.laptop.add_note("Spanish", "verde", "green", now=NOW)
    pair.settle()
    [a] = pair.laptop.cards_of_note(first.id)
    [b] = pair.phone.cards_of_note(_twin(pair.laptop, second.id, pair.phone))
    pair.time = NOW + HOURS
    pair.laptop.flag([a.id], "red", now=pair.time)
    pair.phone.flag([b.id], "green", now=pair.time)
    pair.settle()
    assert pair.phone.cards_of_note(_twin(pair.laptop, first.id, pair.phone))[0].flag == 1
    assert pair.laptop.cards_of_note(second.id)[0].flag == 3
    pair.time += HOURS  # both flag the first card offline; the phone's is the later edit
    pair.laptop.flag([a.id], "orange", now=pair.time)
    pair.sync(pair.laptop)
    [twin] = pair.phone.cards_of_note(_twin(pair.laptop, first.id, pair.phone))
    pair.phone.flag([twin.id], "purple", now=pair.time + HOURS)
    pair.settle()
    assert pair.laptop.card(a.id).card.flag == 7
    assert view(pair.laptop) == view(pair.phone) == view(pair.server)


# -- class decks -----------------------------------------------------------------------------
def test_a_class_deck_reaches_the_device_and_keeps_the_sharing_rules(tmp_path: Path) -> None:
    from tests.server.conftest import cheap_passwords
    from tokendeck.domain.accounts import Role
    from tokendeck.server import Server

    server = Server.open(f"sqlite:///{tmp_path / 'server.db'}", passwords=cheap_passwords())
    device = Collection.open(tmp_path / "device.db", now=NOW, install_builtin=False)
    try:
        server.initialise("root1", "an admin password", now=NOW)
        teacher = server.accounts.create_account("tess", "a teacher pass", Role.TEACHER, now=NOW)
        ada = server.accounts.create_account("ada", "a learner pass", Role.LEARNER, now=NOW)
        tcol = server.collection(teacher)
        for i in range(3):
            tcol.add_note("Biology", f"question {i}", f"answer {i}", now=NOW)
        school = server.classes.create(teacher, "Biology 2B", now=NOW)
        server.classes.join(ada, school.join_code, now=NOW)
        pub = server.sharing.publish_deck(teacher, tcol, school.id, "Biology", now=NOW)
        mine = server.collection(ada)
        link = InProcess(mine, lambda: NOW)
        server.sharing.sync(ada, mine, now=NOW)  # what the server does on each sync request
        device.sync(now=NOW, transport=link)
        assert {n.front for n in map(device.note, _note_ids(device))} == {
            "question 0", "question 1", "question 2"}  # fmt: skip
        # The learner edits one on the device; the author changes it and removes another.
        edited = next(n for n in map(device.note, _note_ids(device)) if n.front == "question 0")
        device.edit_note(edited.id, back="my own answer", now=NOW + HOURS)
        device.sync(now=NOW + HOURS, transport=link)
        for view_ in tcol.find_cards("question 0", now=NOW):
            tcol.edit_note(view_.note.id, now=NOW + 2 * HOURS, back="the author's answer")
        for view_ in tcol.find_cards("question 2", now=NOW):
            tcol.delete_note(view_.note.id)
        server.sharing.publish_changes(teacher, tcol, pub.id, now=NOW + 2 * HOURS)
        server.sharing.sync(ada, mine, now=NOW + 3 * HOURS)
        device.sync(now=NOW + 3 * HOURS, transport=link)
        assert device.note(edited.id).back == "my own answer"  # waits beside the author's
        assert [c.theirs.back for c in server.sharing.conflicts(ada, mine)] == [
            "the author's answer"
        ]
        gone = next(n for n in map(device.note, _note_ids(device)) if n.front == "question 2")
        assert all(c.suspended for c in device.cards_of_note(gone.id))  # removed: suspended
        assert view(device) == view(mine)
    finally:
        device.close()
        server.close()


def _note_ids(col: Collection) -> list[int]:
    return sorted({c.note_id for c in col.cards()})


# -- versions and full disks -----------------------------------------------------------------
class Fixed:
    """A transport whose info says what the test wants."""

    url = "http://old.example"

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = info

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        return Response(200, json.dumps(self.info).encode())


@pytest.mark.parametrize(
    ("protocol", "minimum", "says"),
    [
        (PROTOCOL + 1, PROTOCOL + 1, "the server at http://old.example is newer"),
        (0, 0, "the server at http://old.example is older"),
    ],
)
def test_a_server_of_another_protocol_says_which_side_to_upgrade(
    pair: Pair, protocol: int, minimum: int, says: str
) -> None:
    info = {"protocol": protocol, "min_protocol": minimum, "replica": "r", "round": 0}
    with pytest.raises(SyncVersionError, match=says) as caught:
        pair.laptop.sync(now=NOW, transport=Fixed(info))
    assert "upgrade" in str(caught.value.hint)
    assert view(pair.laptop)["reviews"] == {}  # nothing was sent or taken


class ProtocolOne:
    """A server of protocol 1 (info first, never ``remote``): it refuses newer requests."""

    url = "http://sync.test"

    def __init__(self, link: InProcess, info: dict[str, Any] | None = None) -> None:
        self.link = link
        self.info = info
        self.versions: list[int] = []

    def send(
        self, method: str, path: str, body: bytes | None = None, *, content_type: str = ""
    ) -> Response:
        if path == INFO:
            info = self.info or {**self.link.server.serve_sync_info(), "protocol": 1}
            return Response(200, json.dumps(info).encode())
        if path == PULL:
            version = json.loads(body or b"{}")["protocol"]
        else:  # a batch frame: its header says
            from tokendeck.sync import codec

            version = codec.decode(body or b"").header["protocol"]
        self.versions.append(version)
        if version > 1:
            error = {"code": "sync_protocol", "message": "this server speaks 1 to 1"}
            return Response(426, json.dumps({"error": error}).encode())
        return self.link.send(method, path, body, content_type=content_type)


def test_a_sync_with_nothing_new_is_one_request_and_info_is_read_once(pair: Pair) -> None:
    pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.sync(pair.laptop)
    assert [path for path, _ in pair.link.requests] == [INFO, PUSH, PULL]
    pair.link.requests.clear()
    pair.sync(pair.laptop)
    assert [path for path, _ in pair.link.requests] == [PULL]
    card = pair.laptop.next_card(NOW)
    assert card is not None
    pair.laptop.answer(card.id, "good", now=NOW)
    pair.link.requests.clear()
    pair.sync(pair.laptop)  # nothing else new on the server: the push's answer says so
    assert [path for path, _ in pair.link.requests] == [PUSH]
    pair.link.requests.clear()
    pair.sync(pair.phone)  # its first sync: info first
    assert pair.link.requests[0][0] == INFO
    assert view(pair.phone) == view(pair.laptop) == view(pair.server)


def test_a_push_pulls_too_when_the_server_holds_something_new(pair: Pair) -> None:
    pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.laptop.add_note("Spanish", "comer", "to eat", now=NOW)
    pair.sync(pair.laptop)
    on_server = pair.server.next_card(NOW)  # answered on the server's web app: no round yet
    assert on_server is not None
    pair.server.answer(on_server.id, "good", now=NOW)
    mine = pair.laptop.next_card(NOW + timedelta(minutes=1))
    assert mine is not None
    pair.laptop.answer(mine.id, "again", now=NOW + timedelta(minutes=1))
    pair.link.requests.clear()
    pair.sync(pair.laptop)
    assert [path for path, _ in pair.link.requests] == [PUSH, PULL]
    assert len(view(pair.laptop)["reviews"]) == 2
    pair.server.edit_note(pair.server.cards()[0].note_id, now=NOW, back="to talk")
    pair.laptop.answer(mine.id, "good", now=NOW + timedelta(minutes=20))
    pair.link.requests.clear()
    pair.sync(pair.laptop)
    assert [path for path, _ in pair.link.requests] == [PUSH, PULL]
    assert view(pair.laptop) == view(pair.server)


def test_a_device_whose_server_changed_or_was_restored_sends_everything_again(
    pair: Pair, tmp_path: Path
) -> None:
    pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.sync(pair.laptop)
    # Another server (another replica) behind the same address: it holds nothing yet.
    other = Collection.open(tmp_path / "other.db", user="ann", now=NOW, install_builtin=False)
    try:
        link = InProcess(other, lambda: NOW)
        pair.laptop.sync(now=NOW, transport=link)
        assert [path for path, _ in link.requests] == [PULL, INFO, PUSH]
        assert view(pair.laptop) == view(other)
    finally:
        other.close()
    # The first server restored from a backup taken before the laptop's last sync there.
    pair.server.close()
    shutil.copyfile(tmp_path / "s.db", tmp_path / "backup.db")
    pair.server = Collection.open(tmp_path / "s.db", user="ann", now=NOW, install_builtin=False)
    pair.link = InProcess(pair.server, lambda: pair.time)
    pair.laptop.add_note("Spanish", "comer", "to eat", now=NOW)
    pair.sync(pair.laptop)
    pair.server.close()
    shutil.copyfile(tmp_path / "backup.db", tmp_path / "s.db")
    pair.server = Collection.open(tmp_path / "s.db", user="ann", now=NOW, install_builtin=False)
    pair.link = InProcess(pair.server, lambda: pair.time)
    pair.sync(pair.laptop)
    assert INFO in [path for path, _ in pair.link.requests]
    assert view(pair.laptop) == view(pair.server)
    assert {n.front for n in map(pair.server.note, _note_ids(pair.server))} == {"hablar", "comer"}


def test_a_device_speaks_protocol_1_to_a_server_that_refuses_protocol_2(pair: Pair) -> None:
    pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.sync(pair.laptop)
    old = ProtocolOne(pair.link)
    pair.laptop.add_note("Spanish", "comer", "to eat", now=NOW)
    pair.laptop.sync(now=NOW, transport=old)
    assert old.versions[0] == PROTOCOL and set(old.versions[1:]) == {1}
    assert view(pair.laptop) == view(pair.server)


def test_a_refused_first_request_says_which_side_to_upgrade(pair: Pair) -> None:
    pair.laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    pair.sync(pair.laptop)
    older = ProtocolOne(pair.link, {"protocol": 0, "min_protocol": 0, "replica": "r"})
    with pytest.raises(SyncVersionError, match=r"the server at http://sync\.test is older"):
        pair.laptop.sync(now=NOW, transport=older)


def test_a_request_of_a_newer_protocol_is_refused_with_426(pair: Pair) -> None:
    with pytest.raises(SyncVersionError) as caught:
        pair.server.serve_sync_pull({"protocol": PROTOCOL + 1, "device": "d"}, now=NOW)
    assert caught.value.status == 426


def test_a_full_disk_stops_a_download_cleanly_and_it_finishes_later(pair: Pair) -> None:
    for i in range(400):
        pair.laptop.add_note("Spanish", f"palabra {i}", f"word {i} " * 20, now=NOW)
    pair.sync(pair.laptop)
    db = pair.phone.store.db
    pages = int(db.scalar("PRAGMA page_count"))
    db.execute(f"PRAGMA max_page_count = {pages + 20}")  # the disk fills up part way
    with pytest.raises(DiskFullError) as caught:
        pair.phone.sync(now=NOW, transport=pair.link)
    assert "free some space" in str(caught.value.hint) and "nothing was lost" in str(
        caught.value.hint
    )
    db.execute("PRAGMA max_page_count = 1073741823")
    pair.sync(pair.phone)
    assert view(pair.phone) == view(pair.laptop)


def test_the_sync_status_says_what_waits(pair: Pair) -> None:
    assert pair.laptop.sync_status().pending  # its settings were never sent
    pair.sync(pair.laptop)
    assert not pair.laptop.sync_status().pending
    pair.laptop.add_note("Spanish", "vivir", "to live", now=NOW)
    assert pair.laptop.sync_status().pending
    pair.sync(pair.laptop)
    status = pair.laptop.sync_status()
    assert not status.pending and isinstance(status.last_sync, datetime)
