"""The command line end to end, in process, with a fixed --now."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tokendeck.cli import main

NOW = "2026-11-27T15:00:00Z"
TOMORROW = "2026-11-28T09:00:00Z"


class Runner:
    """Runs ``tokendeck`` in process against one collection file."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def __call__(self, *args: str, now: str = NOW) -> tuple[int, str, str]:
        code = 0
        try:
            main(["--db", str(self.db), "--now", now, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def json(self, *args: str, now: str = NOW) -> object:
        code, out, err = self(*args, now=now)
        assert code == 0, err
        return json.loads(out)


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    runner = Runner(tmp_path / "c.db", capsys)
    return runner


def test_scripted_study_path(run: Runner) -> None:
    first = run.json("next", "--json")
    assert isinstance(first, dict)
    card = first["card"]
    assert card["deck"] == "LLM Vocabulary" and card["state"] == "new"
    assert set(card["intervals"]) == {"again", "hard", "good", "easy"}
    answered = run.json("answer", str(card["id"]), "easy", "--json")
    assert isinstance(answered, dict) and answered["state"] == "review"
    # the card is due at the start of a later study day, not now + N x 24 h
    assert answered["due"].endswith(":00:00Z")
    code, out, _ = run("next", now=TOMORROW)
    assert code == 0 and "card" in out
    code, out, _ = run("undo")
    assert code == 0 and f"card {card['id']}" in out
    again = run.json("show", str(card["id"]), "--json")
    assert isinstance(again, dict) and again["state"] == "new" and again["history"] == []


def test_decks_and_cards_listing(run: Runner) -> None:
    code, out, _ = run("decks")
    assert code == 0 and "LLM Vocabulary" in out and "17" in out
    listed = run.json("cards", "--json")
    assert isinstance(listed, list) and len(listed) == 17
    limited = run.json("cards", "--limit", "3", "--json")
    assert isinstance(limited, list) and len(limited) == 3
    found = run.json("cards", "--search", "EleutherAI", "--json")
    assert isinstance(found, list) and {c["front"] for c in found} >= {"GPT-J"}


def test_add_edit_suspend_delete(run: Runner) -> None:
    added = run.json(
        "add",
        "--deck",
        "Spanish",
        "--front",
        "perro",
        "--back",
        "dog",
        "--reverse",
        "--tag",
        "animals",
        "--json",
    )
    assert isinstance(added, list) and len(added) == 2
    card_id = str(added[0]["id"])
    assert run("edit", card_id, "--back", "a dog")[0] == 0
    shown = run.json("show", card_id, "--json")
    assert isinstance(shown, dict) and shown["back"] == "a dog"
    assert run("suspend", card_id)[0] == 0
    assert run.json("show", card_id, "--json")["suspended"] is True  # type: ignore[index]
    assert run("unsuspend", card_id)[0] == 0
    assert run("delete", card_id, "--yes")[0] == 0
    code, _, err = run("show", card_id)
    assert code == 1 and err.startswith("Error: no card")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "999"), "Error: no card 999"),
        (("undo",), "Error: there is no answer to undo"),
        (("next", "Nope"), "Error: no deck 'Nope'"),
        (("cards", "--search", "is:bogus"), "Error: unknown is:bogus"),
        (("add", "--deck", "D", "--front", " ", "--back", "b"), "Error: the front is empty"),
    ],
)
def test_errors_are_one_line_and_exit_1(run: Runner, args: tuple[str, ...], message: str) -> None:
    code, _out, err = run(*args)
    assert code == 1
    assert err.startswith(message) and "Traceback" not in err


def test_bad_now_is_explained(run: Runner) -> None:
    code, _, err = run("next", now="yesterday")
    assert code == 1 and "ISO-8601" in err


def test_nothing_due_reports_when(run: Runner) -> None:
    for _ in range(17):
        card = run.json("next", "--json")["card"]  # type: ignore[index]
        run("answer", str(card["id"]), "easy")
    result = run.json("next", "--json")
    assert isinstance(result, dict) and result["card"] is None and result["next_due"]


def test_python_dash_m_and_real_process(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tokendeck",
            "--db",
            str(tmp_path / "c.db"),
            "--now",
            NOW,
            "next",
            "--json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["card"]["deck"] == "LLM Vocabulary"


def test_stats_report_counts_todays_reviews(run: Runner) -> None:
    for _ in range(3):
        card = run.json("next", "--json")["card"]  # type: ignore[index]
        run("answer", str(card["id"]), "easy", "--duration", "6000")
    code, out, _ = run("stats")
    assert code == 0
    assert "Today: 3 reviews in 0.3 min" in out
    assert "2026-11-27      3      3" in out  # three learn answers today
    data = run.json("stats", "--json")
    assert isinstance(data, dict) and data["states"]["review"] == 3 and sum(data["forecast"]) == 3


def test_daily_automatic_backup_after_a_change(run: Runner, tmp_path: Path) -> None:
    backups = tmp_path / "backups"
    run("decks")
    first = sorted(p.name for p in backups.iterdir())
    assert first == ["tokendeck-backup-2026-11-27.zip"]  # the first run installed the deck
    card = run.json("next", "--json")["card"]  # type: ignore[index]
    run("answer", str(card["id"]), "good")
    assert sorted(p.name for p in backups.iterdir()) == first  # once per study day
    run("answer", str(card["id"]), "good", now=TOMORROW)
    assert len(list(backups.iterdir())) == 2


def test_a_failed_daily_backup_warns_but_keeps_the_command_and_its_change(
    run: Runner, tmp_path: Path
) -> None:
    (tmp_path / "backups").write_text("a file where the backups folder should be")
    code, _, err = run("add", "--deck", "Kept", "--front", "Kept front", "--back", "Kept back")
    assert code == 0, err
    assert "Warning: today's automatic backup into" in err and "your changes are saved" in err
    found = run.json("cards", "--json")
    assert any(c["front"] == "Kept front" for c in found)  # type: ignore[union-attr,index]
