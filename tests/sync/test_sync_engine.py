"""Sync between SQLite collections through an in-process server (a third SQLite collection)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.conftest import NOW
from tests.sync.harness import InProcess, review_count, view
from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating


class World:
    """A server collection and devices, each with its own clock."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.now = NOW
        self.server = Collection.open(tmp / "server.db", user="ann", now=NOW, install_builtin=False)
        self.server.update_settings(timezone="UTC")
        self.link = InProcess(self.server, lambda: self.now)
        self.devices: dict[str, Collection] = {}

    def device(self, name: str, *, builtin: bool = False) -> Collection:
        col = Collection.open(self.tmp / f"{name}.db", now=self.now, install_builtin=builtin)
        col.update_settings(timezone="UTC")
        self.devices[name] = col
        return col

    def sync(self, name: str) -> None:
        self.devices[name].sync(now=self.now, transport=self.link)

    def settle(self) -> None:
        for _ in range(2):
            for name in self.devices:
                self.sync(name)

    def close(self) -> None:
        for col in self.devices.values():
            col.close()
        self.server.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def test_a_collection_uploads_and_a_new_device_downloads_it(world: World) -> None:
    laptop = world.device("laptop")
    note = laptop.add_note("Spanish", "el perro", "the dog", now=NOW, reverse=True)
    laptop.add_note("Spanish::Verbs", "comer", "to eat", now=NOW, tags=("verb",))
    for card in laptop.cards_of_note(note.id):
        laptop.answer(card.id, Rating.GOOD, now=NOW + timedelta(minutes=1))
    world.sync("laptop")
    phone = world.device("phone")
    world.sync("phone")
    assert view(phone) == view(laptop) == view(world.server)
    assert review_count(phone) == 2


def test_answers_on_two_devices_both_count_and_agree(world: World) -> None:
    laptop, phone = world.device("laptop"), world.device("phone")
    note = laptop.add_note("Spanish", "el gato", "the cat", now=NOW)
    world.settle()
    card_l = laptop.cards_of_note(note.id)[0]
    card_p = phone.cards_of_note(phone.note_by_guid(note.guid).id)[0]  # type: ignore[union-attr]
    laptop.answer(card_l.id, Rating.GOOD, now=NOW + timedelta(hours=1))
    phone.answer(card_p.id, Rating.AGAIN, now=NOW + timedelta(hours=2))
    world.settle()
    assert view(laptop) == view(phone) == view(world.server)
    assert review_count(laptop) == 2
    assert laptop.cards_of_note(note.id)[0].reps == 2


def test_the_builtin_deck_on_two_devices_is_one_deck_after_sync(world: World) -> None:
    laptop = world.device("laptop", builtin=True)
    phone = world.device("phone", builtin=True)
    world.settle()
    assert view(laptop) == view(phone)
    names = [d.name for d in laptop.decks()]
    assert len(names) == len(set(names))
    notes = view(laptop)["notes"]
    assert len(notes) == len(view(world.server)["notes"]) > 10
    assert all(guid.startswith("llmvocab-") for guid in notes)  # one copy, GUIDs kept


def test_an_undo_of_a_synced_answer_travels(world: World) -> None:
    laptop, phone = world.device("laptop"), world.device("phone")
    note = laptop.add_note("Spanish", "la casa", "the house", now=NOW)
    card = laptop.cards_of_note(note.id)[0]
    laptop.answer(card.id, Rating.GOOD, now=NOW + timedelta(minutes=5))
    world.settle()
    assert review_count(phone) == 1
    laptop.undo(NOW + timedelta(minutes=6))
    world.settle()
    assert review_count(phone) == review_count(laptop) == 0
    assert view(phone) == view(laptop)
    assert laptop.cards_of_note(note.id)[0].reps == 0


def test_edits_merge_per_field_and_the_loser_is_kept(world: World) -> None:
    laptop, phone = world.device("laptop"), world.device("phone")
    note = laptop.add_note("Spanish", "hablar", "to speak", now=NOW)
    world.settle()
    mine = phone.note_by_guid(note.guid)
    assert mine is not None
    laptop.edit_note(note.id, back="to talk", now=NOW + timedelta(hours=1))
    phone.edit_note(mine.id, tags=("verb",), now=NOW + timedelta(hours=2))
    phone.edit_note(mine.id, back="to speak, talk", now=NOW + timedelta(hours=3))
    world.settle()
    assert view(laptop) == view(phone)
    merged = laptop.note(note.id)
    assert merged.back == "to speak, talk" and merged.tags == ("verb",)
    assert [v.value for v in laptop.note_history(note.id) if v.field == "back"] == ["to talk"]


def test_batches_are_cut_by_size_and_a_note_larger_than_a_batch_travels_alone(
    world: World,
) -> None:
    from tokendeck.sync.outgoing import Limits

    laptop = world.device("laptop")
    for i in range(12):
        laptop.add_note("Essays", f"essay {i}", f"{i} " * 50_000, now=NOW)  # 100 KB each
    laptop.add_note("Essays", "the long one", "x" * 400_000, now=NOW)  # over a batch alone
    small = Limits(bytes=250_000)
    laptop.sync(now=NOW, transport=world.link, limits=small)
    pushes = [size for path, size in world.link.requests if path.endswith("push")]
    assert len(pushes) >= 6  # two notes a batch, and the long one alone
    phone = world.device("phone")
    phone.sync(now=NOW, transport=world.link, limits=small)
    assert view(phone) == view(laptop) and len(view(phone)["notes"]) == 13


def test_after_a_bulk_download_the_statistics_are_recounted_when_read(world: World) -> None:
    from tests.sync.harness import summary_is_true
    from tests.sync.test_sync_faults import history_collection

    history_collection(world.tmp / "laptop.db", notes=300, reviews=8)  # 2,400 reviews
    laptop = Collection.open(world.tmp / "laptop.db", now=NOW, install_builtin=False)
    world.devices["laptop"] = laptop
    world.sync("laptop")
    phone = world.device("phone")
    world.sync("phone")  # one batch of 2,400 reviews: the summary is left to the next read
    expected = laptop.stats(NOW)
    for col in (phone, world.server):
        found = col.stats(NOW)  # reads: recounts the summary first
        assert found["total_reviews"] == expected["total_reviews"] == 2_400
        assert found["daily"] == expected["daily"] and found["buttons"] == expected["buttons"]
        assert summary_is_true(col)
