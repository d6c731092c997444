"""Anki's image occlusion cards: the masks render as Anki renders them, and the card's
CSS and "Toggle Masks" button reach the page (the page draws the masks: see
tests/web/test_web_occlusion.py)."""

from __future__ import annotations

import re
import struct
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.anki_fixtures import open_collection
from tests.test_anki_rendering_parity import compare
from tokendeck.rendering import occlusion
from tokendeck.rendering.css import scope_css
from tokendeck.rendering.sanitise import clean

#: Masks as Anki's editor writes them: every shape, "hide all" and "hide one", a text label.
MASKS = (
    "{{c1::image-occlusion:rect:left=.1:top=.2:width=.3:height=.1:oi=1}}"
    "{{c2::image-occlusion:ellipse:left=.5:top=.5:rx=.1:ry=.1}}"
    "{{c3::image-occlusion:polygon:left=.1:top=.8:points=.1,.8 .3,.9 .2,.95:oi=1}}"
    "{{c1::image-occlusion:text:left=.6:top=.1:text=Left lung:scale=1.5:fs=0.05}}"
    "{{c2::image-occlusion:rect:left=.7:top=.7:width=.1:height=.1:angle=30:oi=1}}"
)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG."""
    row = b"\x00" + bytes(rgb) * width
    raw = row * height

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def occlusion_deck(folder: Path, masks: str = MASKS) -> Path:
    """An .apkg with one image occlusion note (three cards), written by Anki's package."""
    from anki.collection import ExportAnkiPackageOptions

    col = open_collection(folder / "anki")
    col.add_image_occlusion_notetype()
    notetype = col.models.by_name("Image Occlusion")
    (Path(col.media.dir()) / "lungs.png").write_bytes(png(400, 200, (30, 60, 200)))
    note = col.new_note(notetype)
    note["Image"] = '<img src="lungs.png">'
    note["Header"] = "Chest X-ray"
    note["Occlusion"] = masks
    col.add_note(note, col.decks.id("Anatomy"))
    target = folder / "occlusion.apkg"
    options = ExportAnkiPackageOptions(
        legacy=False, with_scheduling=False, with_media=True, with_deck_configs=False
    )
    col.export_anki_package(out_path=str(target), options=options, limit=None)
    col.close()
    return target


class _Masks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "div" and "data-shape" in named:
            self.found.append((str(named.pop("class")), named))


def masks_of(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Masks()
    parser.feed(html)
    return parser.found


@pytest.mark.anki
def test_masks_render_as_anki_renders_them(tmp_path: Path) -> None:
    from tests.anki_fixtures import import_into_new_collection
    from tokendeck.formats.anki import read
    from tokendeck.rendering import CardInfo, MediaAccess, render_card

    path = occlusion_deck(tmp_path)
    anki = import_into_new_collection(path, tmp_path / "check")
    theirs: dict[int, tuple[str, str]] = {}
    for card_id in anki.find_cards(""):
        card = anki.get_card(card_id)
        theirs[card.ord] = (card.question(), card.answer())
    anki.close()
    package = read(path, source=str(path))
    (note,) = package.notes
    note_type = package.note_type(note.note_type)
    assert note_type is not None
    access = MediaAccess(exists={"lungs.png"}.__contains__)
    assert sorted(c.ordinal for c in note.cards) == sorted(theirs) == [0, 1, 2]
    for card in note.cards:
        ours = render_card(
            note_type, note.fields, card.ordinal, info=CardInfo(tags=()), access=access
        )
        for our_html, anki_html in zip(
            (ours.question_html, ours.answer_html), theirs[card.ordinal], strict=True
        ):
            assert masks_of(our_html) == masks_of(anki_html)  # attribute names are lower-case
            assert len(masks_of(our_html)) == 5
        # and no mask's text shows as words anywhere
        assert "image-occlusion:" not in ours.question_html + ours.answer_html
    question = masks_of(
        render_card(note_type, note.fields, 0, info=CardInfo(tags=()), access=access).question_html
    )
    assert [c for c, _ in question] == [
        "cloze",
        "cloze-inactive",
        "cloze-inactive",
        "cloze",
        "cloze-inactive",
    ]


@pytest.mark.anki
def test_an_occlusion_deck_shows_what_anki_shows(tmp_path: Path) -> None:
    result = compare("occlusion", tmp_path, occlusion_deck(tmp_path))
    assert (result.matched, result.cards) == (3, 3), result.differences


def test_a_mask_div_carries_its_shape_and_escapes_its_values() -> None:
    div = occlusion.mask_div(
        'image-occlusion:text:left=.6:top=.1:text=<b>"x"</b>:fs=0.05:oi=1:junk', "2", "cloze"
    )
    assert div == (
        '<div class="cloze" data-ordinal="2" data-shape="text" data-left=".6" data-top=".1" '
        'data-text="&lt;b&gt;&quot;x&quot;&lt;/b&gt;" data-font-size="0.05" '
        'data-occludeInactive="1"></div>'
    )


def test_card_css_ids_follow_the_card_prefix() -> None:
    css = "#image-occlusion-canvas { --active-shape-color: red; } .card #io-header > b {}"
    scoped = scope_css(css, ".td-card")
    assert "#card-image-occlusion-canvas" in scoped and "#card-io-header > b" in scoped
    assert not re.search(r"#image-occlusion-canvas", scoped)


def test_a_card_button_is_inert() -> None:
    html = '<button id="toggle" type="submit" onclick="steal()" formaction="//x">Toggle</button>'
    assert clean(html, lambda name: f"/media/{name}") == (
        '<button id="card-toggle" type="button">Toggle</button>'
    )
