"""``tokendeck import / export / backup / restore`` end to end, in process, with a fixed --now."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from tokendeck.cli import main

NOW = "2026-11-27T15:00:00Z"

WORDS = "Front,Back,Tags\nhola,hello,greeting\nadiós,goodbye,greeting\n"


class Runner:
    """Runs ``tokendeck`` in process against one collection file."""

    def __init__(self, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
        self.db = db
        self.capsys = capsys

    def __call__(self, *args: str, db: Path | None = None) -> tuple[int, str, str]:
        code = 0
        try:
            main(["--db", str(db or self.db), "--now", NOW, *args])
        except SystemExit as exc:
            code = int(exc.code or 0)
        out, err = self.capsys.readouterr()
        return code, out, err

    def ok(self, *args: str, db: Path | None = None) -> str:
        code, out, err = self(*args, db=db)
        assert code == 0, err
        return out

    def fronts(self, deck: str, db: Path | None = None) -> list[str]:
        cards = json.loads(self.ok("cards", "--deck", deck, "--json", db=db))
        return sorted(c["front"] for c in cards)


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(tmp_path / "c.db", capsys)


@pytest.fixture
def words(tmp_path: Path) -> Path:
    path = tmp_path / "words.csv"
    path.write_text(WORDS, encoding="utf-8")
    return path


def test_dry_run_previews_with_line_numbers_and_imports_nothing(run: Runner, words: Path) -> None:
    out = run.ok("import", str(words), "--deck", "Spanish", "--dry-run")
    assert "2 note(s) found as csv; nothing imported." in out
    lines = [ln.split() for ln in out.splitlines()[2:4]]
    assert [(ln[0], ln[3]) for ln in lines] == [("2", "hola"), ("3", "adiós")]
    code, _, err = run("cards", "--deck", "Spanish", "--json")
    assert code == 1 and "Spanish" in err  # the deck was never created


def test_reimport_updates_instead_of_duplicating(run: Runner, words: Path) -> None:
    assert "2 added" in run.ok("import", str(words), "--deck", "Spanish")
    words.write_text(WORDS.replace("hello", "hello!"), encoding="utf-8")
    assert "0 added, 2 updated" in run.ok("import", str(words), "--deck", "Spanish")
    cards = json.loads(run.ok("cards", "--deck", "Spanish", "--json"))
    assert sorted(c["back"] for c in cards) == ["goodbye", "hello!"]
    assert "2 skipped" in run.ok("import", str(words), "--deck", "Spanish", "--skip")
    assert "2 added" in run.ok("import", str(words), "--deck", "Spanish", "--duplicate")
    assert run.fronts("Spanish") == ["adiós", "adiós", "hola", "hola"]


def test_a_bad_row_imports_nothing_and_names_the_line(run: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("one,uno\ntwo,dos\nthree,tres,extra,columns\n", encoding="utf-8")
    code, _, err = run("import", str(bad), "--deck", "Numbers")
    assert code == 1
    assert "bad.csv, line 3: expected 2 columns, found 4" in err
    code, _, err = run("cards", "--deck", "Numbers")
    assert code == 1  # no deck, no cards: nothing was half-imported


def test_bad_encoding_is_reported_with_a_hint(run: Runner, tmp_path: Path) -> None:
    bad = tmp_path / "latin.csv"
    bad.write_bytes("café,coffee\n".encode("latin-1"))
    code, _, err = run("import", str(bad))
    assert code == 1 and "line 1" in err and "save the file as UTF-8" in err


def test_format_override_and_quizlet_separators(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("perro - dog\ngato - cat\n", encoding="utf-8")
    args = ["import", str(path), "--format", "quizlet", "--separator", " - ", "--deck", "Q"]
    assert "2 added" in run.ok(*args)
    assert run.fronts("Q") == ["gato", "perro"]


def test_a_row_separator_means_quizlet(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "set.txt"
    path.write_text("perro,dog;gato,cat", encoding="utf-8")
    out = run.ok("import", str(path), "--separator", "comma", "--row-separator", ";", "--deck", "Q")
    assert "(quizlet): 2 added" in out


def test_markdown_file_is_detected(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "cards.txt"
    path.write_text("deck: Md\n\n## token\na piece of text\n\nQ: 2+2?\nA: 4\n", encoding="utf-8")
    out = run.ok("import", str(path))
    assert "(markdown): 2 added" in out
    assert run.fronts("Md") == ["2+2?", "token"]


def test_raw_notes_preview_shows_confidence(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(
        "Sourdough notes\nLevain\nA levain is a portion of starter built for one bake.\n"
        "What is autolyse?\nResting flour and water before adding salt and starter.\n",
        encoding="utf-8",
    )
    out = run.ok("import", str(path), "--dry-run", "--json")
    preview = json.loads(out)
    assert preview["format"] == "rawnotes"
    assert [n["front"] for n in preview["notes"]] == ["Levain", "What is autolyse?"]
    assert all(0 < n["confidence"] <= 1 and n["line"] for n in preview["notes"])
    text = run.ok("import", str(path), "--dry-run")
    assert "Confidence" in text


def test_unknown_format_is_refused(run: Runner, words: Path) -> None:
    code, _, err = run("import", str(words), "--format", "docx")
    assert code == 1 and "unknown format 'docx'" in err and "csv" in err


def test_export_to_stdout_and_back_in(run: Runner, words: Path, tmp_path: Path) -> None:
    run.ok("import", str(words), "--deck", "Spanish")
    out = run.ok("export", "--deck", "Spanish", "--format", "markdown", "-o", "-")
    assert out.startswith("deck: Spanish\ntags: greeting\n\n## hola\nhello\n")
    exported = tmp_path / "spanish.tsv"
    assert "Exported 2 note(s)" in run.ok("export", "--deck", "Spanish", "-o", str(exported))
    other = tmp_path / "other.db"
    assert "2 added" in run.ok("import", str(exported), db=other)
    assert run.fronts("Spanish", db=other) == ["adiós", "hola"]


def test_export_needs_a_format_it_can_write(run: Runner) -> None:
    code, _, err = run("export", "-o", "-")
    assert code == 1 and "--format" in err
    code, _, err = run("export", "--format", "rawnotes", "-o", "-")
    assert code == 1 and "can only be imported" in err


def test_apkg_export_imports_back(run: Runner, words: Path, tmp_path: Path) -> None:
    run.ok("import", str(words), "--deck", "Spanish")
    package = tmp_path / "spanish.apkg"
    run.ok("export", "--deck", "Spanish", "-o", str(package))
    assert zipfile.is_zipfile(package)
    other = tmp_path / "other.db"
    assert "(apkg): 2 added" in run.ok("import", str(package), db=other)
    assert run.fronts("Spanish", db=other) == ["adiós", "hola"]


def test_backup_and_restore(run: Runner, words: Path, tmp_path: Path) -> None:
    run.ok("import", str(words), "--deck", "Spanish")
    archive = tmp_path / "b.zip"
    assert f"to {archive}" in run.ok("backup", "-o", str(archive))
    before = run.ok("export", "--format", "csv", "-o", "-")
    fresh = tmp_path / "fresh.db"
    out = run.ok("restore", str(archive), db=fresh)
    assert "Restored" in out
    assert run.ok("export", "--format", "csv", "-o", "-", db=fresh) == before


def test_restore_saves_the_collection_it_replaces(run: Runner, words: Path, tmp_path: Path) -> None:
    archive = tmp_path / "b.zip"
    run.ok("backup", "-o", str(archive))
    run.ok("import", str(words), "--deck", "Spanish")
    out = run.ok("restore", str(archive))
    saved = Path(out.split("saved to ")[1].strip())
    assert saved.exists() and saved.parent == tmp_path / "backups"
    code, _, _ = run("cards", "--deck", "Spanish")
    assert code == 1  # back to the state of the backup
    run.ok("restore", str(saved))
    assert run.fronts("Spanish") == ["adiós", "hola"]


def test_restore_refuses_a_file_that_is_not_a_backup(run: Runner, words: Path) -> None:
    code, _, err = run("restore", str(words))
    assert code == 1 and "not a readable zip archive" in err


def test_default_backup_goes_beside_the_collection(run: Runner, tmp_path: Path) -> None:
    out = run.ok("backup")
    made = sorted(p.name for p in (tmp_path / "backups").iterdir())
    # the first run also installed the built-in deck, which earns the daily automatic backup
    assert made == ["tokendeck-backup-2026-11-27.zip", "tokendeck-manual-2026-11-27T150000.zip"]
    assert str(tmp_path / "backups" / made[1]) in out


def test_import_result_as_json(run: Runner, words: Path) -> None:
    result = json.loads(run.ok("import", str(words), "--deck", "Spanish", "--json"))
    assert (result["format"], result["added"], result["cards"], result["decks"]) == (
        "csv",
        2,
        2,
        ["Spanish"],
    )


def test_import_from_standard_input(
    run: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`pbpaste | tokendeck import - --deck Q`: Quizlet's export box pasted, detected."""
    import io
    import sys

    pasted = b"perro\tdog\ngato\tcat, a pet\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(pasted)))
    assert "2 added" in run.ok("import", "-", "--deck", "Q")
    assert run.fronts("Q") == ["gato", "perro"]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    code, _, err = run("import", "-")
    assert code == 1 and "empty" in err
