"""Deck management, flags, moving cards and custom study at the command line (issue 12)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.test_cli import NOW, Runner


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    runner = Runner(tmp_path / "c.db", capsys)
    for deck, front in (("Lang::Spanish", "perro"), ("Lang::Spanish", "gato"), ("Lang", "sol")):
        code, _, err = runner("add", "--deck", deck, "--front", front, "--back", "x")
        assert code == 0, err
    return runner


def test_decks_are_listed_as_a_tree_with_rolled_up_counts(run: Runner) -> None:
    code, out, _ = run("decks")
    assert code == 0
    lines = [line for line in out.splitlines() if line.strip().startswith(("Lang", "Spanish"))]
    assert lines[0].split()[:2] == ["Lang", "3"]  # Lang's own card and Spanish's two
    assert lines[1].startswith("  Spanish") and lines[1].split()[1] == "2"
    data = run.json("decks", "--json")
    assert isinstance(data, list)
    spanish = next(d for d in data if d["name"] == "Lang::Spanish")
    assert spanish["parent"] == "Lang" and spanish["total"] == 2


def test_create_rename_options_and_delete_a_deck(run: Runner, tmp_path: Path) -> None:
    assert run("deck", "create", "Maths::Algebra")[0] == 0
    code, out, _ = run("deck", "rename", "Lang", "Languages")
    assert code == 0 and "Renamed Lang to Languages" in out
    assert run("deck", "options", "Languages", "--new-per-day", "5")[0] == 0
    shown = run.json("deck", "options", "Languages::Spanish", "--json")
    assert isinstance(shown, dict)
    assert shown["options"]["new_per_day"] == 5 and "new_per_day" in shown["inherited"]
    run("deck", "options", "Languages::Spanish", "--steps", "2m 20m")
    code, out, _ = run("deck", "options", "Languages::Spanish")
    assert "learning_steps" in out and "this deck" in out
    code, out, err = run("deck", "delete", "Languages", "--yes")
    assert code == 0, err
    assert "3 card(s)" in out and "tokendeck restore" in out
    snapshot = Path(out.split("tokendeck restore ", 1)[1].strip())
    assert snapshot.exists() and snapshot.parent == tmp_path / "backups"
    names = [d["name"] for d in json.loads(run("decks", "--json")[1])]
    assert "Languages" not in names


def test_delete_asks_first(run: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    code, _, err = run("deck", "delete", "Lang")  # "n": the confirmation aborts
    assert code == 1 and "Aborted" in err
    assert "Lang" in [d["name"] for d in json.loads(run("decks", "--json")[1])]


def test_move_flag_and_search_by_flag(run: Runner) -> None:
    cards = json.loads(run("cards", "--deck", "Lang::Spanish", "--json")[1])
    ids = [str(c["id"]) for c in cards]
    code, out, _ = run("flag", "red", *ids)
    assert code == 0 and "Flagged red" in out
    found = json.loads(run("cards", "--search", "flag:1", "--json")[1])
    assert sorted(str(c["id"]) for c in found) == sorted(ids)
    code, out, _ = run("move", ids[0], "--to", "Archive")
    assert code == 0 and "to Archive" in out
    code, _, err = run("flag", "magenta", ids[0])
    assert code == 1 and "unknown flag" in err


def test_custom_study_from_the_command_line(run: Runner) -> None:
    run("deck", "options", "Lang", "--new-per-day", "1")
    run("deck", "options", "Lang::Spanish", "--new-per-day", "0")
    assert json.loads(run("next", "Lang", "--json")[1])["counts"]["new"] == 1
    code, out, _ = run("custom-study", "Lang", "new", "-n", "5")
    assert code == 0 and "2 more new cards today" in out
    assert json.loads(run("next", "Lang", "--json")[1])["counts"]["new"] == 3
    code, out, _ = run("custom-study", "Lang", "tag", "--tag", "none-such")
    assert code == 1
    card = json.loads(run("next", "Lang", "--json")[1])["card"]["id"]
    run("answer", str(card), "again")
    code, out, _ = run("custom-study", "Lang", "forgotten")
    assert code == 0 and "study" in out and "--custom" in out
    custom = json.loads(run("next", "Lang", "--custom", "--json")[1])
    assert custom["card"]["id"] == card
    assert run("custom-study", "Lang", "end")[0] == 0


def test_command_line_errors_keep_command_line_advice(run: Runner) -> None:
    code, _, err = run("show", "999")
    assert code == 1 and "`tokendeck cards` lists card ids" in err
    assert NOW  # the shared fixed time
