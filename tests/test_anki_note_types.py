"""Anki note types travel through the neutral form: read, written back, re-imported by Anki."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.anki_fixtures import import_into_new_collection, media_files
from tests.test_anki_rendering_parity import DECK_NAMES, DECKS, compare
from tokendeck.formats.anki import read, write
from tokendeck.rendering import card_ordinals
from tokendeck.transfer.package import NoteRecord, NoteTypeRecord, Package, TemplateRecord


def _deck(name: str) -> Package:
    path = DECKS / name / "deck.apkg"
    return read(path, source=str(path))


def _shape(package: Package) -> list[tuple[object, ...]]:
    return [
        (t.name, t.kind, t.field_names, t.templates, t.css, t.latex_pre, t.latex_post)
        for t in package.note_types
    ]


def test_the_reader_keeps_note_types_templates_and_css() -> None:
    package = _deck("ultimate-geography")
    (geography,) = package.note_types
    assert geography.kind == "standard"
    assert geography.field_names[:3] == ["Country", "Country info", "Capital"]
    assert [t.name for t in geography.templates] == [
        "Country - Capital",
        "Capital - Country",
        "Flag - Country",
        "Map - Country",
    ]
    assert "{{#Capital}}" in geography.templates[0].question
    assert ".value--top" in geography.css
    note = package.notes[0]
    assert (note.note_type, note.format) == (geography.name, "html")
    assert list(note.fields) == geography.field_names  # every field, in order


def test_the_reader_keeps_cloze_kind_and_latex_header() -> None:
    package = _deck("anki-features")
    kinds = {t.name: t.kind for t in package.note_types}
    assert kinds["Cloze (hints)"] == "cloze" and kinds["Maths (MathJax)"] == "standard"
    legacy = package.note_type("Legacy LaTeX")
    assert legacy is not None and "\\newcommand{\\RR}" in legacy.latex_pre
    assert legacy.latex_post == "\\end{document}"


def test_cards_of_every_template_are_kept() -> None:
    package = _deck("ultimate-geography")
    ordinals = {o for n in package.notes for o in (c.ordinal for c in n.cards)}
    assert ordinals == {0, 1, 2, 3}


@pytest.mark.parametrize("name", DECK_NAMES)
def test_note_types_round_trip_through_our_writer(name: str, tmp_path: Path) -> None:
    package = _deck(name)
    write(package, tmp_path / "out.apkg")
    again = read(tmp_path / "out.apkg", source="out")
    assert _shape(again) == _shape(package)
    assert [t.id for t in again.note_types] == [t.id for t in package.note_types]

    def notes(p: Package) -> list[tuple[object, ...]]:
        return [(n.guid, n.fields, n.note_type, [c.ordinal for c in n.cards]) for n in p.notes]

    assert notes(again) == notes(package)
    assert {m.name: m.data for m in again.media} == {m.name: m.data for m in package.media}


def test_a_note_without_cards_gets_the_cards_anki_would_make(tmp_path: Path) -> None:
    note_type = NoteTypeRecord(
        name="Two ways",
        field_names=["Word", "Meaning", "Reverse"],
        templates=[
            TemplateRecord("Forward", "{{Word}}", "{{FrontSide}}<hr>{{Meaning}}"),
            TemplateRecord("Backward", "{{#Reverse}}{{Meaning}}{{/Reverse}}", "{{Word}}"),
        ],
    )
    one_way = {"Word": "chat", "Meaning": "cat", "Reverse": ""}
    both = {"Word": "chien", "Meaning": "dog", "Reverse": "y"}
    assert card_ordinals(note_type, one_way) == [0]
    assert card_ordinals(note_type, both) == [0, 1]
    notes = [
        NoteRecord(
            front=v["Word"], back=v["Meaning"], fields=v, note_type="Two ways", format="html"
        )
        for v in (one_way, both)
    ]
    write(Package(notes=notes, note_types=[note_type]), tmp_path / "two.apkg")
    again = read(tmp_path / "two.apkg", source="two")
    assert [[c.ordinal for c in n.cards] for n in again.notes] == [[0], [0, 1]]
    assert again.note_types[0].templates == note_type.templates


@pytest.mark.anki
@pytest.mark.parametrize("name", DECK_NAMES)
def test_a_written_package_imports_into_anki_with_its_note_types_and_media(
    name: str, tmp_path: Path
) -> None:
    package = _deck(name)
    written = tmp_path / "written.apkg"
    write(package, written)
    col = import_into_new_collection(written, tmp_path / "anki")
    try:
        for record in package.note_types:
            model = col.models.by_name(record.name)
            assert model is not None, f"Anki lost note type {record.name!r}"
            assert [f["name"] for f in model["flds"]] == record.field_names
            templates = [(t["name"], t["qfmt"], t["afmt"]) for t in model["tmpls"]]
            assert templates == [(t.name, t.question, t.answer) for t in record.templates]
            assert model["css"] == record.css
            assert (model["type"] == 1) == (record.kind == "cloze")
        assert col.note_count() == len(package.notes)
        assert col.card_count() == sum(len(n.cards) for n in package.notes)
        files = media_files(col)
        for media in package.media:
            assert files.get(media.name) == media.data, f"Anki lost {media.name}"
    finally:
        col.close()


@pytest.mark.anki
@pytest.mark.parametrize("name", DECK_NAMES)
def test_cards_of_a_written_package_still_render_as_in_anki(name: str, tmp_path: Path) -> None:
    package = _deck(name)
    write(package, tmp_path / "written.apkg")
    result = compare(name, tmp_path / "compare", tmp_path / "written.apkg")
    assert result.cards == sum(len(n.cards) for n in package.notes)
    assert result.matched == result.cards, result.differences
