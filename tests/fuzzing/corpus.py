"""Seed files of every format TokenDeck reads, made by TokenDeck (and Anki) at run time.

The seeds are what mutation starts from (tests/fuzzing/mutate.py): each is a
valid file that reaches deep into its reader, so a mutation of it exercises
the reader, not only its first check. One small collection is built (notes
of every kind, several decks, tags, reviews, a media file, settings) and
written out through the registry's writers; raw notes come from the project's
own test data; Anki's own packages (legacy and the newer zstd layout) are
added when the ``anki`` package is installed.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Target:
    """One format under test: how a file of it is read."""

    name: str
    #: The registry's format name (None: a snapshot, read by ``tokendeck restore``).
    registry: str | None
    suffix: str
    #: Zip-based: mutations may work member by member.
    archive: bool


TARGETS = (
    Target("csv", "csv", ".csv", False),
    Target("quizlet", "quizlet", ".txt", False),
    Target("markdown", "markdown", ".md", False),
    Target("rawnotes", "rawnotes", ".txt", False),
    Target("apkg", "apkg", ".apkg", True),
    Target("colpkg", "colpkg", ".colpkg", True),
    Target("backup", "backup", ".zip", True),
    Target("snapshot", None, ".zip", True),
)
BY_NAME = {t.name: t for t in TARGETS}

_CARDS = (
    ("Spanish", "basic", "el perro", "the dog", ["animals"]),
    ("Spanish", "basic_reversed", "la casa", "the house", []),
    ("Spanish::Verbs", "type_in", "comer", "to eat", ["verbs", "food"]),
    ("Maths", "basic", "Area of a circle", "$\\pi r^2$ <b>bold</b>", ["geometry"]),
    ("Maths", "cloze", "The {{c1::Pile}} is {{c2::825 GiB::size}}.", "extra", []),
    ("Maths", "basic", 'A "quoted", field; with | separators', "back\nwith lines", ["x"]),
)


def build(folder: Path, *, anki: bool = True) -> dict[str, list[Path]]:
    """Write seed files into ``folder``; format name -> its seeds."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "seed-collection.db"
    seeds: dict[str, list[Path]] = {t.name: [] for t in TARGETS}
    _collection(db)
    _exports(db, folder, seeds)
    _hand_written(folder, seeds)
    if anki:
        _anki_packages(folder, seeds)
    return seeds


def _collection(path: Path) -> None:
    from tokendeck.collection import Collection

    with Collection.open(path, now=NOW, install_builtin=False) as col:
        col.update_settings(timezone="Europe/Berlin", rollover_hour=3)
        for deck, kind, front, back, tags in _CARDS:
            col.add_note(deck, front, back, now=NOW, kind=kind, tags=tags)
        when = NOW
        for rating in (3, 1, 3, 4, 2, 3, 3):
            view = col.next_card(when)
            if view is None:
                break
            col.answer(view.card.id, rating, now=when, duration_ms=4000)
            when += timedelta(minutes=11)
        media = col.media_dir()
        media.mkdir(exist_ok=True)
        (media / "cat.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really a picture")


def _exports(db: Path, folder: Path, seeds: dict[str, list[Path]]) -> None:
    from tokendeck.collection import Collection
    from tokendeck.formats import registry
    from tokendeck.formats.options import WriteOptions

    with Collection.open(db, now=NOW, install_builtin=False) as col:
        for name, fmt, options in (
            ("csv", "csv", None),
            ("csv", "csv", WriteOptions(separator=";")),
            ("markdown", "markdown", None),
            ("apkg", "apkg", None),
            ("backup", "backup", None),
        ):
            target = folder / f"seed-{len(seeds[name])}{BY_NAME[name].suffix}"
            package = col.export_package(
                full=fmt == "backup", bulk_history=registry.get(fmt).bulk_history
            )
            registry.write_file(package, target, fmt, options)
            seeds[name].append(target)
        snapshot = folder / "seed-snapshot.zip"
        col.write_snapshot(snapshot, now=NOW)
        seeds["snapshot"].append(snapshot)
    colpkg = folder / "seed-from-apkg.colpkg"
    shutil.copyfile(seeds["apkg"][0], colpkg)
    seeds["colpkg"].append(colpkg)


def _hand_written(folder: Path, seeds: dict[str, list[Path]]) -> None:
    quizlet = folder / "seed-quizlet.txt"
    quizlet.write_text("perro\tdog\ncasa\thouse\ncomer\tto eat\n", encoding="utf-8")
    semicolons = folder / "seed-quizlet-rows.txt"
    semicolons.write_text("perro,dog;casa,house;comer,to eat;", encoding="utf-8")
    seeds["quizlet"] += [quizlet, semicolons]
    anki_text = folder / "seed-anki-text.txt"
    anki_text.write_text(
        "#separator:tab\n#html:true\n#notetype column:1\n#deck column:2\n#tags column:5\n"
        "Basic\tSpanish\thola\thello\tgreeting\n"
        "Cloze\tSpanish\t{{c1::adios}} means bye\t\t\n",
        encoding="utf-8",
    )
    seeds["csv"].append(anki_text)
    for source in sorted((REPO / "tests" / "data" / "rawnotes").glob("*.txt"))[:3]:
        target = folder / f"seed-raw-{source.name}"
        shutil.copyfile(source, target)
        seeds["rawnotes"].append(target)


def _anki_packages(folder: Path, seeds: dict[str, list[Path]]) -> None:
    """Packages written by Anki itself (both layouts), when its package is installed."""
    try:
        import anki  # noqa: F401
    except ImportError:
        return
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    from anki_fixtures import build_sample, export_apkg, export_colpkg

    col, _sample = build_sample(folder / "anki-sample")
    for legacy in (True, False):
        tag = "legacy" if legacy else "latest"
        seeds["apkg"].append(export_apkg(col, folder / f"anki-{tag}.apkg", legacy=legacy))
    # Exporting a collection package closes the collection: it comes last.
    seeds["colpkg"].append(export_colpkg(col, folder / "anki-latest.colpkg", legacy=False))
