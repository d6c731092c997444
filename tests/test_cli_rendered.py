"""The CLI on real Anki decks (issue 11): `cards --json --render`, `show`, `edit --field`,
`media check`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli import Runner

DECKS = Path(__file__).parent / "data" / "anki-decks"
#: The keys `cards --json --render` adds: a contract scripts rely on.
RENDERED = {"note_guid", "ord", "question_html", "answer_html"}


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    runner = Runner(tmp_path / "col.db", capsys)
    for name in ("anki-features", "algebra"):
        code, _, err = runner("import", str(DECKS / name / "deck.apkg"))
        assert code == 0, err
    return runner


def test_rendered_rows_keep_their_contract(run: Runner) -> None:
    rows = run.json("cards", "--json", "--render")
    assert isinstance(rows, list) and rows
    assert all(set(row) >= RENDERED for row in rows)
    anki = [r for r in rows if r["format"] == "html"]
    markdown = [r for r in rows if r["format"] == "markdown"]  # the built-in deck
    assert len(anki) == 26 + 110 and len(markdown) == 17
    by_note: dict[str, list[int]] = {}
    for row in anki:
        by_note.setdefault(row["note_guid"], []).append(row["ord"])
    assert any(sorted(ords) == [0, 1] for ords in by_note.values())  # clozes 1 and 2
    maths = next(r for r in anki if r["macros"].get("\\Var"))
    assert '<span class="math math-inline">\\(' in maths["question_html"] + maths["answer_html"]
    pictures = [r for r in anki if 'src="/media/' in r["answer_html"]]
    assert len(pictures) > 50
    plain = run.json("cards", "--json")
    assert isinstance(plain, list) and not RENDERED & set(plain[0])


def test_render_needs_json(run: Runner) -> None:
    code, _, err = run("cards", "--render")
    assert code == 2 and "add --json" in err


def test_show_prints_an_anki_card_as_readable_text(run: Runner) -> None:
    rows = run.json("cards", "--json", "--render", "--search", "Var")
    card = next(r for r in rows if r["macros"].get("\\Var"))  # type: ignore[union-attr]
    code, out, _ = run("show", str(card["id"]))
    assert code == 0
    assert "𝔼" in out and "newcommand" not in out and "\\(" not in out


def test_edit_sets_a_field_of_a_note_from_anki(run: Runner) -> None:
    rows = run.json("cards", "--json", "--deck", "Algebra", "--limit", "1")
    card_id = rows[0]["id"]  # type: ignore[index]
    assert run("edit", str(card_id), "--field", "Problem=Whole numbers")[0] == 0
    rendered = run.json("cards", "--json", "--render", "--deck", "Algebra")
    row = next(r for r in rendered if r["id"] == card_id)  # type: ignore[union-attr]
    assert "Whole numbers" in row["question_html"]
    code, _, err = run("edit", str(card_id), "--field", "Nope=x")
    assert code == 1 and "has no field 'Nope'" in err and "Problem" in err
    code, _, err = run("edit", str(card_id), "--field", "no equals sign")
    assert code == 2 and "NAME=VALUE" in err


def test_media_check_reports_like_ankis(run: Runner, tmp_path: Path) -> None:
    code, out, _ = run("media", "check")
    assert code == 0
    assert "Missing (used by notes, not in the folder): 1" in out  # left out on purpose
    assert "latex-b1933672d88b87f826f67ec58a28c072b57e0e4e.png" in out
    assert "Unused (in the folder, used by no note): 0" in out
    (tmp_path / "col.media" / "stray.png").write_bytes(b"x")
    report = run.json("media", "check", "--json")
    assert report["unused"] == ["stray.png"]  # type: ignore[index]
