"""The comparison behind the Anki parity test notices what a learner would notice."""

from __future__ import annotations

from tests.anki_parity import Shown, shown

_NO_SOUNDS: dict[str, list[str]] = {"q": [], "a": []}


def _anki(html: str, sounds: dict[str, list[str]] = _NO_SOUNDS) -> Shown:
    return shown(html, ours=False, latex_images=set(), sounds=sounds)


def _ours(html: str) -> Shown:
    return shown(html, ours=True, latex_images=set(), sounds=_NO_SOUNDS)


def test_markup_that_shows_the_same_compares_equal() -> None:
    anki = _anki(
        'Hello<br>[anki:play:q:0] <img src="a b.png">\\(\\newcommand{\\E}{E}\\E x\\)'
        '[[type:Back]]<script>var x = "hidden";</script>',
        {"q": ["s.mp3"], "a": []},
    )
    ours = _ours(
        'Hello<br><audio class="sound" src="s.mp3"></audio><img src="a%20b.png">'
        '<span class="math math-inline">\\(\\E  x\\)</span>'
        '<div class="type-answer"><code>expected</code></div>'
    )
    assert ours.differences(anki) == []


def test_a_changed_word_image_sound_or_formula_is_a_difference() -> None:
    anki = _anki('a b <img src="x.png"> \\(x^2\\) [anki:play:a:0]', {"q": [], "a": ["s.mp3"]})
    assert _ours('a c <img src="x.png"> \\(x^2\\) <audio src="s.mp3"></audio>').differences(anki)
    assert _ours('a b <img src="y.png"> \\(x^2\\) <audio src="s.mp3"></audio>').differences(anki)
    assert _ours('a b <img src="x.png"> \\(x^3\\) <audio src="s.mp3"></audio>').differences(anki)
    assert _ours('a b <img src="x.png"> \\(x^2\\)').differences(anki)


def test_a_latex_image_without_its_file_compares_as_its_formula() -> None:
    anki = _anki('<img class=latex alt="$x^2$" src="latex-abc.png">')
    assert _ours('<span class="math math-inline">\\(x^2\\)</span>').differences(anki) == []
