"""``tokendeck check``: damage found, safe repairs made, the rest reported (Check Database)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.cli import main
from tokendeck.collection import Collection

NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def _studied(col: Collection) -> list[int]:
    ids = []
    for i in range(3):
        note = col.add_note("Deck", f"front {i}", f"back {i}", now=NOW)
        ids += [c.id for c in col.cards_of_note(note.id)]
    for card_id in ids:
        col.answer(card_id, "good", now=NOW)
    return ids


def test_a_sound_collection_has_no_findings(col: Collection) -> None:
    _studied(col)
    report = col.check(now=NOW)
    assert report.findings == [] and report.ok


def test_review_counts_that_disagree_with_the_history_are_repaired(col: Collection) -> None:
    first, *_ = _studied(col)
    col.store.db.execute("UPDATE cards SET reps = 7, lapses = 2 WHERE id = ?", (first,))
    report = col.check(now=NOW, repair=False)
    assert [(f.count, f.repaired) for f in report.findings] == [(1, False)]
    assert col.card(first).card.reps == 7  # looking changes nothing
    report = col.check(now=NOW)
    assert report.ok and "review counts" in report.findings[0].problem
    assert (col.card(first).card.reps, col.card(first).card.lapses) == (1, 0)
    assert col.check(now=NOW).findings == []


def test_an_imported_card_without_its_early_history_is_left_alone(col: Collection) -> None:
    first, *_ = _studied(col)
    # the log no longer starts with the card new (as after importing part of a history)
    col.store.db.execute("UPDATE reviews SET state_before = 2 WHERE card_id = ?", (first,))
    col.store.db.execute("UPDATE cards SET reps = 30 WHERE id = ?", (first,))
    assert col.check(now=NOW).findings == []


@pytest.mark.sqlite_only(reason="PostgreSQL's foreign keys cannot be switched off to break one")
def test_cards_of_a_vanished_deck_move_to_the_default_deck(col: Collection) -> None:
    first, *_ = _studied(col)
    db = col.store.db
    db.execute("PRAGMA foreign_keys=OFF")
    db.execute("UPDATE cards SET deck_id = 999 WHERE id = ?", (first,))
    db.execute("PRAGMA foreign_keys=ON")
    report = col.check(now=NOW)
    assert report.ok and report.findings[0].count == 1
    assert col.card(first).deck_name == "Default"


def test_a_state_that_disagrees_with_the_last_answer_is_reported_not_guessed(
    col: Collection,
) -> None:
    first, *_ = _studied(col)
    col.store.db.execute("UPDATE cards SET state = 2 WHERE id = ?", (first,))
    report = col.check(now=NOW)
    assert not report.ok
    (finding,) = report.findings
    assert "state" in finding.problem and finding.hint
    assert col.card(first).card.state == 2  # unchanged


def test_notes_without_cards_get_their_cards_back(col: Collection) -> None:
    note = col.add_note("Deck", "lonely", "note", now=NOW)
    db = col.store.db
    db.execute("DELETE FROM cards WHERE note_id = ?", (note.id,))
    report = col.check(now=NOW)
    assert report.ok and report.findings[0].count == 1
    assert len(col.cards_of_note(note.id)) == 1


def test_a_damaged_file_is_reported_with_the_way_out(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        for i in range(400):
            col.add_note("Deck", f"front {i} " + "x" * 200, f"back {i}", now=NOW)
        col.store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page * 5, page * 5 + 200):  # scribble over a b-tree page
        data[offset] = 0x5A
    path.write_bytes(bytes(data))
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        report = col.check(now=NOW)
    assert not report.ok
    assert "damaged" in report.findings[0].problem and "restore" in report.findings[0].hint


def test_the_cli_reports_and_exits_1_when_something_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.db"
    with Collection.open(path, now=NOW, install_builtin=False) as col:
        first, *_ = _studied(col)
        col.store.db.execute("UPDATE cards SET state = 2 WHERE id = ?", (first,))
    args = ["--db", str(path), "--now", NOW.isoformat()]
    with pytest.raises(SystemExit) as exited:
        main([*args, "check"])
    assert exited.value.code == 1
    assert "NOT repaired" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main([*args, "check", "--json"])
    body = json.loads(capsys.readouterr().out)
    assert body["ok"] is False and body["findings"][0]["count"] == 1
