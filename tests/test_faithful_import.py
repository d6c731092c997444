"""Faithful imports (issue 11): each file's notes arrive as the file has them.

Regression tests for the cases the issue found: a Quizlet export with a custom
separator taken for raw notes; two notes sharing a GUID merged; Anki's own
plain-text export of a custom note type refused; an unsure format guess that
imported anyway. Plus the Obsidian Spaced Repetition syntax.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.test_cli import Runner
from tokendeck.collection import Collection
from tokendeck.formats import obsidian, registry
from tokendeck.web.app import create_app
from tokendeck.web.settings import WebSettings

NOW = "2026-11-27T15:00:00Z"
OBSIDIAN = Path(__file__).parent / "data" / "obsidian" / "cell-biology.md"

#: A Quizlet set exported with "/////" between term and definition, one card a line:
#: definitions hold commas, semicolons, question marks and slashes of their own.
QUIZLET_ROWS = [
    ("la mitochondrie", "the mitochondrion, where the cell makes ATP"),
    ("le noyau", "the nucleus; it holds the DNA"),
    ("pourquoi?", "why? (a question word)"),
    ("et/ou", "and/or"),
    ("la membrane", "the membrane, a phospholipid bilayer"),
]


def quizlet_text(rows: int = 281) -> str:
    lines = []
    for number in range(rows):
        term, definition = QUIZLET_ROWS[number % len(QUIZLET_ROWS)]
        lines.append(f"{term} {number}/////{definition} ({number})")
    return "\n".join(lines) + "\n"


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    return Runner(tmp_path / "col.db", capsys)


def ok(run: Runner, *args: str) -> str:
    code, out, err = run(*args)
    assert code == 0, err
    return out


# -- Quizlet with a separator of its own -------------------------------------------------------


def test_a_quizlet_export_with_a_custom_separator_imports_with_no_flags(
    run: Runner, tmp_path: Path
) -> None:
    path = tmp_path / "set.txt"
    path.write_text(quizlet_text(), encoding="utf-8")
    result = json.loads(ok(run, "import", str(path), "--json"))
    assert (result["format"], result["added"]) == ("quizlet", 281)
    cards = {c["front"]: c["back"] for c in json.loads(ok(run, "cards", "--json"))}
    assert cards["pourquoi? 2"] == "why? (a question word) (2)"
    assert cards["et/ou 3"] == "and/or (3)"


def test_the_web_imports_it_with_no_format_chosen(tmp_path: Path) -> None:
    client = _client(tmp_path)
    upload = {"file": ("set.txt", quizlet_text().encode(), "text/plain")}
    preview = client.post("/api/v1/import/preview", files=upload).json()
    assert (preview["format"], preview["note_count"], preview["sure"]) == ("quizlet", 281, True)
    assert preview["separator"] == "/////"
    done = client.post("/api/v1/import", files=upload).json()
    assert done["result"]["added"] == 281


# -- a guess below confidence asks -------------------------------------------------------------


def half_and_half() -> str:
    """Half the lines split by "/////", half not: Quizlet text or free notes?"""
    lines = []
    for number in range(10):
        lines.append(f"term {number}/////definition {number}")
        lines.append(f"A loose line of notes about term {number}, with no separator at all.")
    return "\n".join(lines) + "\n"


def test_an_unsure_guess_is_refused_naming_the_choices(run: Runner, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text(half_and_half(), encoding="utf-8")
    code, _, err = run("import", str(path))
    assert code == 1
    assert "cannot tell how notes.txt is laid out" in err
    assert "quizlet with '/////' between term and definition" in err and "rawnotes:" in err
    assert "--format rawnotes" in err
    decks = {c["deck"] for c in json.loads(ok(run, "cards", "--json"))}
    assert decks == {"LLM Vocabulary"}  # the built-in deck only: nothing imported
    code, _, err = run("import", str(path), "--dry-run")  # looking is allowed
    assert code == 0 and "Warning: cannot tell" in err
    out = ok(run, "import", str(path), "--format", "rawnotes")
    assert "(rawnotes)" in out


def test_the_web_preview_shows_what_each_choice_gives(tmp_path: Path) -> None:
    client = _client(tmp_path)
    upload = {"file": ("notes.txt", half_and_half().encode(), "text/plain")}
    preview = client.post("/api/v1/import/preview", files=upload).json()
    assert preview["sure"] is False and preview["confidence"] < 0.75
    choices = {(c["format"], c["separator"]): c for c in preview["choices"]}
    assert choices[("quizlet", "/////")]["error"]  # half the lines have no separator
    assert choices[("rawnotes", None)]["note_count"] > 0
    refused = client.post("/api/v1/import", files=upload)
    assert refused.status_code == 400
    assert "cannot tell" in refused.json()["error"]["message"]
    chosen = client.post("/api/v1/import", files=upload, data={"format": "rawnotes"})
    assert chosen.status_code == 200 and chosen.json()["result"]["added"] > 0
    page = client.get("/transfer").text
    assert 'id="import-separator"' in page and 'id="preview-choices"' in page


def _client(tmp_path: Path) -> TestClient:
    from tests.hand_clock import Clock
    from tests.web.conftest import START, local_client

    settings = WebSettings(db_path=tmp_path / "web.db", clock=Clock(START), install_builtin=False)
    return local_client(create_app(settings))


# -- duplicate GUIDs in one Anki package ----------------------------------------------------------


def anki_package_with_a_shared_guid(folder: Path) -> Path:
    """An .apkg made by Anki's own package in which two different notes share one GUID."""
    from tests.anki_fixtures import open_collection

    col = open_collection(folder / "anki")
    basic = col.models.by_name("Basic")
    for front, back in (
        ("der Hund", "the dog"),
        ("die Katze", "the cat"),
        ("das Haus", "the house"),
    ):
        note = col.new_note(basic)
        note.fields[0], note.fields[1] = front, back
        col.add_note(note, col.decks.id("German"))
    first, second, _ = (col.get_note(n) for n in col.find_notes(""))
    col.db.execute("update notes set guid=? where id=?", first.guid, second.id)
    target = folder / "shared-guid.apkg"
    from anki.collection import DeckIdLimit, ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True
    )
    col.export_anki_package(
        out_path=str(target), options=options, limit=DeckIdLimit(col.decks.id("German"))
    )
    col.close()
    return target


@pytest.mark.anki
def test_a_package_with_duplicate_guids_keeps_every_note(run: Runner, tmp_path: Path) -> None:
    from tests.anki_fixtures import import_into_new_collection

    package = anki_package_with_a_shared_guid(tmp_path)
    anki = import_into_new_collection(package, tmp_path / "anki-again")
    try:
        assert anki.note_count() == 3  # Anki itself keeps the three
    finally:
        anki.close()
    result = json.loads(ok(run, "import", str(package), "--json"))
    assert (result["added"], result["updated"]) == (3, 0)
    assert any("share a GUID" in w for w in result["warnings"])
    fronts = sorted(c["front"] for c in json.loads(ok(run, "cards", "--deck", "German", "--json")))
    assert fronts == ["das Haus", "der Hund", "die Katze"]
    again = json.loads(ok(run, "import", str(package), "--json"))
    assert (again["added"], again["updated"]) == (0, 3)  # the same three, found again


# -- Anki's "Notes in Plain Text" of a note type of the deck's own -----------------------------


def anki_basic_plus(folder: Path) -> Any:
    """An Anki collection with a 12-field note type called "Basic+", as in the issue."""
    from tests.anki_fixtures import open_collection

    col = open_collection(folder)
    model = col.models.new("Basic+")
    names = ["Front", "Back", *[f"Extra {n}" for n in range(1, 11)]]
    for name in names:
        col.models.add_field(model, col.models.new_field(name))
    template = col.models.new_template("Card 1")
    template["qfmt"] = "{{Front}}"
    template["afmt"] = "{{FrontSide}}<hr id=answer>{{Back}}{{#Extra 1}}<br>{{Extra 1}}{{/Extra 1}}"
    col.models.add_template(model, template)
    col.models.add(model)
    model = col.models.by_name("Basic+")
    for number in range(4):
        note = col.new_note(model)
        note.fields[0] = f"<b>Question {number}</b>, with a comma"
        note.fields[1] = f"Answer {number}\nover two lines"
        note.fields[2] = 'a "quoted" extra' if number % 2 else ""
        note.tags = ["imported", f"n{number}"]
        col.add_note(note, col.decks.id("Plus::Sub"))
    return col


def export_plain_text(col: Any, target: Path) -> Path:
    col.export_note_csv(
        out_path=str(target),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    return target


@pytest.mark.anki
def test_anki_plain_text_of_a_custom_note_type_imports(run: Runner, tmp_path: Path) -> None:
    col = anki_basic_plus(tmp_path / "anki")
    text = export_plain_text(col, tmp_path / "Plus.txt")
    col.close()
    assert "\tBasic+\t" in text.read_text()
    result = json.loads(ok(run, "import", str(text), "--json"))
    assert result["format"] == "csv"
    assert (result["added"], result["note_types"]) == (4, {"Basic+": "created"})
    cards = json.loads(ok(run, "cards", "--deck", "Plus::Sub", "--json", "--render"))
    assert len(cards) == 4
    first = next(c for c in cards if "Question 1" in c["question_html"])
    assert "<b>Question 1</b>" in first["question_html"]
    assert "Answer 1" in first["answer_html"] and "quoted" in first["answer_html"]
    assert sorted(first["tags"]) == ["imported", "n1"]
    again = json.loads(ok(run, "import", str(text), "--json"))
    assert (again["added"], again["updated"], again["note_types"]) == (0, 4, {"Basic+": "mapped"})


@pytest.mark.anki
def test_a_note_type_the_collection_has_is_mapped_by_name(run: Runner, tmp_path: Path) -> None:
    from anki.collection import ExportAnkiPackageOptions

    col = anki_basic_plus(tmp_path / "anki")
    package = tmp_path / "plus.apkg"
    options = ExportAnkiPackageOptions(
        with_scheduling=False, with_deck_configs=False, with_media=True, legacy=True
    )
    col.export_anki_package(out_path=str(package), options=options, limit=None)
    for note_id in col.find_notes(""):  # edited in Anki after the first export
        note = col.get_note(note_id)
        note.fields[1] = note.fields[1].replace("Answer", "Better answer")
        col.update_note(note)
    text = export_plain_text(col, tmp_path / "Plus.txt")
    col.close()
    first = json.loads(ok(run, "import", str(package), "--json"))
    assert first["note_types"] == {"Basic+": "created"}
    result = json.loads(ok(run, "import", str(text), "--json"))
    assert (result["added"], result["updated"]) == (0, 4)
    assert result["note_types"] == {"Basic+": "mapped"}
    cards = json.loads(ok(run, "cards", "--deck", "Plus", "--json", "--render"))
    assert all("Better answer" in c["answer_html"] for c in cards)
    with Collection.open(run.db, install_builtin=False) as tokendeck:
        (plus,) = [t for t in tokendeck.note_types() if t.name == "Basic+"]
        assert plus.field_names[:2] == ("Front", "Back")  # the collection's own names kept


# -- Obsidian Spaced Repetition -------------------------------------------------------------------


def test_obsidian_notes_are_detected_and_imported_like_markdown(run: Runner) -> None:
    result = json.loads(ok(run, "import", str(OBSIDIAN), "--json"))
    assert (result["format"], result["added"]) == ("obsidian", 7)
    assert sorted(result["decks"]) == [
        "flashcards::biology::cells",
        "flashcards::biology::membranes",
    ]
    cards = json.loads(ok(run, "cards", "--json", "--render"))
    by_front = {c["front"]: c for c in cards}
    assert by_front["Osmosis"]["back"].startswith("the movement of water")
    assert by_front["ATP"]["back"] == "adenosine triphosphate"
    assert by_front["adenosine triphosphate"]["back"] == "ATP"  # ::: goes both ways
    assert "oxidative phosphorylation" in by_front["What does the mitochondrion do?"]["back"]
    clozes = [c for c in cards if "[...]" in c["front"]]
    assert len(clozes) == 3  # nucleus, DNA, phospholipid bilayer
    assert not any("SR:" in c["front"] + c["back"] for c in cards)
    assert not any("std::" in c["front"] for c in cards)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("#flashcards\n\nQuestion\n?\n\n", 4, "has no answer below it"),
        ("#flashcards\n\n?\nAnswer\n", 3, "has no question above it"),
        ("#flashcards\n\nQ\n?\nA\n??\nB\n", 6, "two '?' lines"),
        ("#flashcards\n\nfront::\n", 3, "'::' needs text on both sides"),
        ("#flashcards\n\nJust prose.\n", None, "found no flashcards"),
    ],
)
def test_obsidian_mistakes_name_their_line(text: str, line: int | None, message: str) -> None:
    from tokendeck.errors import ImportFormatError

    with pytest.raises(ImportFormatError) as info:
        obsidian.read(text.encode(), source="note.md")
    assert message in str(info.value)
    if line is not None:
        assert f"note.md, line {line}" in str(info.value)


def test_obsidian_syntax_in_a_markdown_file_is_detected_without_the_tag() -> None:
    assert registry.detect(b"Capital of France::Paris\n", "geo.md").name == "obsidian"
    assert registry.detect(b"## Paris\nthe capital of France\n", "geo.md").name == "markdown"
