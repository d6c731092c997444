"""Build the small Anki decks kept under ``tests/data/anki-decks/`` (run by hand, once).

Every deck is written by Anki's own ``anki`` package (``Collection.export_anki_package``),
never by TokenDeck, so the rendering tests compare us against files that Anki made:

* ``algebra``: an extract of ``Algebra.apkg`` from github.com/bonsaiben/algebra-anki
  (CC BY-NC-SA 3.0), an Anki 2.0 deck with images; notes are dropped until it fits.
* ``ea-numbers``: the CrowdAnki deck of github.com/benthamite/EA-numbers (Unlicense).
* ``major-system``: the CrowdAnki deck of github.com/b3nj5m1n/anki-major-system (MIT; its
  audio is from Wikimedia Commons / Wiktionary, see its README).
* ``ultimate-geography``: 40 countries of github.com/anki-geo/ultimate-geography
  (Unlicense; flags and maps under the licences listed in its ``sources.csv``), built
  from its CSV sources and note-type templates (English).
* ``anki-math``: ``Math.apkg`` of github.com/aradzie/anki-math (CC BY-SA 4.0), whole: 330
  notes of MathJax (inline, display, ``align*`` over several lines) in two custom note types.
* ``anki-features``: made here, because no public deck with a licence that allows keeping
  it was found with MathJax macros, legacy ``[$]`` LaTeX with rendered images, clozes with
  hints and maths, and the ``type:``/``hint:``/``text:``/``furigana:`` filters together.

Usage: ``.venv/bin/python scripts/make_anki_deck_extracts.py MIRRORS OUT`` where MIRRORS
holds ``owner+name/repo`` git directories of the sources (as the ``fetch`` tool leaves them).
LaTeX images of ``anki-features`` are rendered by Anki itself, so ``latex`` and ``dvipng``
must be installed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

LIMIT = 2_000_000


def git_show(repo: Path, path: str, commit: str = "HEAD") -> bytes:
    """One file of a bare mirror at ``commit``."""
    return subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:{path}"], check=True, capture_output=True
    ).stdout


def put_media(col: Any, name: str, data: bytes) -> None:
    """Write a media file under its own name (``write_data`` lower-cases some names)."""
    (Path(col.media.dir()) / name).write_bytes(data)


def render_all(col: Any) -> None:
    """Show every card once, so Anki renders legacy LaTeX to latex-<sha1>.png."""
    from anki.config import Config

    col.set_config_bool(Config.Bool.RENDER_LATEX, True)
    for cid in col.find_cards(""):
        card = col.get_card(cid)
        card.question()
        card.answer()


def new_collection(folder: Path) -> Any:
    from anki.collection import Collection

    folder.mkdir(parents=True, exist_ok=True)
    return Collection(str(folder / "collection.anki2"))


def export(col: Any, target: Path, *, legacy: bool) -> None:
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        legacy=legacy, with_scheduling=False, with_media=True, with_deck_configs=False
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    col.export_anki_package(out_path=str(target), options=options, limit=None)
    size = target.stat().st_size
    print(f"{target}: {col.note_count()} notes, {col.card_count()} cards, {size} bytes")
    if size > LIMIT:
        raise SystemExit(f"{target} is over {LIMIT} bytes")


def add_model(col: Any, spec: dict[str, Any]) -> Any:
    """A note type from CrowdAnki-style JSON (name, type, flds, tmpls, css, latex)."""
    models = col.models
    model = models.new(spec["name"])
    model["type"] = spec.get("type", 0)
    for field in spec["flds"]:
        models.add_field(model, models.new_field(field["name"]))
    for tmpl in spec["tmpls"]:
        template = models.new_template(tmpl["name"])
        template["qfmt"], template["afmt"] = tmpl["qfmt"], tmpl["afmt"]
        models.add_template(model, template)
    model["css"] = spec.get("css", model["css"])
    for key in ("latexPre", "latexPost", "sortf"):
        if key in spec:
            model[key] = spec[key]
    models.add(model)
    return models.by_name(spec["name"])


def add_note(
    col: Any, model: Any, values: list[str], deck: str, tags: list[str], guid: str
) -> None:
    note = col.new_note(model)
    for i, value in enumerate(values):
        note.fields[i] = value
    note.tags = tags
    note.guid = guid
    col.add_note(note, col.decks.id(deck))


def crowdanki(
    mirrors: Path,
    out: Path,
    repo: str,
    member: str,
    media_dir: str,
    name: str,
    commit: str,
    leave_out: frozenset[str] = frozenset(),
) -> None:
    source = mirrors / repo / "repo"
    deck = json.loads(git_show(source, member, commit))
    with tempfile.TemporaryDirectory() as tmp:
        col = new_collection(Path(tmp))
        models = {m["crowdanki_uuid"]: add_model(col, m) for m in deck["note_models"]}
        for note in deck["notes"]:
            model = models[note["note_model_uuid"]]
            add_note(col, model, note["fields"], deck["name"], note["tags"], note["guid"])
        referenced = {
            name
            for note in deck["notes"]
            for value in note["fields"]
            for name in re.findall(r'\[sound:([^\]]+)\]|src="([^"]+)"', value)
            for name in name
            if name
        }
        files = _tree(source, media_dir, commit)
        for file_name in sorted(set(deck["media_files"]) | referenced):
            if file_name.startswith("latex-"):
                continue  # not in the repository: Anki renders them again below
            if file_name not in files or file_name in leave_out:
                print(
                    f"{name}: {file_name} left out (not in the repository, or its licence unknown)"
                )
                continue
            data = git_show(source, f"{media_dir}/{file_name}", commit)
            put_media(col, file_name, data)
        render_all(col)
        expected = {n for n in deck["media_files"] if n.startswith("latex-")}
        rendered = {p.name for p in Path(col.media.dir()).iterdir() if p.name.startswith("latex-")}
        if expected - rendered:
            raise SystemExit(f"{name}: LaTeX images not rendered as listed: {expected - rendered}")
        export(col, out / name / "deck.apkg", legacy=False)
        col.close()


def _tree(repo: Path, folder: str, commit: str) -> set[str]:
    """The names of the files in one folder of a bare mirror at ``commit``."""
    listing = subprocess.run(
        ["git", "-C", str(repo), "ls-tree", "--name-only", "-z", f"{commit}:{folder}"],
        check=True,
        capture_output=True,
    ).stdout.decode("utf-8")
    return {n for n in listing.split("\0") if n}


def algebra(mirrors: Path, out: Path) -> None:
    source = mirrors / "bonsaiben+algebra-anki" / "repo"
    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "Algebra.apkg"
        original.write_bytes(git_show(source, "Algebra.apkg"))
        col = new_collection(Path(tmp) / "col")
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        request = ImportAnkiPackageRequest(
            package_path=str(original), options=ImportAnkiPackageOptions()
        )
        col.import_anki_package(request)
        # Keep the first chapters whole (text, images, a few raw "<" in fields).
        nids = sorted(col.find_notes(""))
        col.remove_notes(nids[110:])
        col.media.trash_files(col.media.check().unused)
        col.media.empty_trash()
        export(col, out / "algebra" / "deck.apkg", legacy=True)
        col.close()


def whole_apkg(mirrors: Path, out: Path, repo: str, member: str, name: str, commit: str) -> None:
    """A public ``.apkg`` kept whole: imported and exported again by Anki (current layout)."""
    source = mirrors / repo / "repo"
    with tempfile.TemporaryDirectory() as tmp:
        original = Path(tmp) / "original.apkg"
        original.write_bytes(git_show(source, member, commit))
        col = new_collection(Path(tmp) / "col")
        from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

        request = ImportAnkiPackageRequest(
            package_path=str(original), options=ImportAnkiPackageOptions()
        )
        col.import_anki_package(request)
        export(col, out / name / "deck.apkg", legacy=False)
        col.close()


def _csv(source: Path, path: str) -> dict[str, dict[str, str]]:
    rows = csv.DictReader(io.StringIO(git_show(source, path).decode("utf-8")))
    return {row[next(iter(row))]: row for row in rows}


def geography(mirrors: Path, out: Path) -> None:
    source = mirrors / "anki-geo+ultimate-geography" / "repo"
    base = "src/note_models/templates/base"
    words = _csv(source, "src/note_models/translations.csv")["EN"]

    def localise(text: str) -> str:
        for key, value in words.items():
            text = text.replace(key, value)
        return text

    spec: dict[str, Any] = {"name": "Ultimate Geography [EN]", "type": 0, "tmpls": []}
    names = ("Country", "Country info", "Capital", "Capital info", "Capital hint", "Flag")
    spec["flds"] = [{"name": n} for n in (*names, "Flag similarity", "Map")]
    for template in ("Country - Capital", "Capital - Country", "Flag - Country", "Map - Country"):
        html = git_show(source, f"{base}/{template} [__LANGUAGE_CODE__].html").decode("utf-8")
        question, answer = localise(html).split("\n--\n")
        spec["tmpls"].append({"name": template, "qfmt": question, "afmt": answer})
    spec["css"] = git_show(source, "src/note_models/style.css").decode("utf-8")
    main = _csv(source, "src/data/main.csv")
    columns = {
        "capital": _csv(source, "src/data/capital.csv"),
        "country info": _csv(source, "src/data/country_info.csv"),
        "capital info": _csv(source, "src/data/capital_info.csv"),
        "capital hint": _csv(source, "src/data/capital_hint.csv"),
        "flag similarity": _csv(source, "src/data/flag_similarity.csv"),
    }
    guids = _csv(source, "src/data/guid.csv")
    # Rows that exercise every template branch: hints, similar flags, blurred flags,
    # a missing flag, a missing capital (oceans), capital info.
    wanted = [c for c in main if c in columns["capital hint"]][:10]
    wanted += [c for c in main if c in columns["flag similarity"]][:12]
    wanted += [c for c in main if "-blur" in main[c]["flag"]][:3]
    wanted += [c for c in main if not main[c]["flag"]][:4]
    wanted += [c for c in main if c not in columns["capital"]][:4]
    wanted += [c for c in main if c in columns["capital info"]][:7]
    wanted = list(dict.fromkeys(wanted))
    with tempfile.TemporaryDirectory() as tmp:
        col = new_collection(Path(tmp))
        model = add_model(col, spec)
        for country in wanted:
            row = main[country]

            def value(column: str, country: str = country) -> str:
                return columns[column].get(country, {}).get(column, "")

            values = [
                country,
                value("country info"),
                value("capital"),
                value("capital info"),
                value("capital hint"),
                row["flag"],
                value("flag similarity"),
                row["map"],
            ]
            tags = [t.strip().replace(" ", "_") for t in row["tags"].split(",") if t.strip()]
            add_note(col, model, values, "Ultimate Geography", tags, guids[country]["guid"])
            for html in (row["flag"], row["map"]):
                for name in _image_names(html):
                    folder = "flags" if name.startswith("ug-flag") else "maps"
                    put_media(col, name, git_show(source, f"src/media/{folder}/{name}"))
        export(col, out / "ultimate-geography" / "deck.apkg", legacy=False)
        col.close()


def _image_names(html: str) -> list[str]:
    return re.findall(r'src="([^"]+)"', html)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG (for the made-up deck's picture)."""
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))

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


def wav(seconds: float = 0.2, rate: int = 8000) -> bytes:
    """A short silent WAV (for the made-up deck's sound tag)."""
    frames = b"\x80" * int(seconds * rate)
    header = struct.pack("<4sI4s", b"RIFF", 36 + len(frames), b"WAVE")
    fmt = struct.pack("<4sIHHIIHH", b"fmt ", 16, 1, 1, rate, rate, 1, 8)
    return header + fmt + struct.pack("<4sI", b"data", len(frames)) + frames


def features(out: Path) -> None:
    from anki_features_deck import FEATURE_MODELS, FEATURE_NOTES

    with tempfile.TemporaryDirectory() as tmp:
        col = new_collection(Path(tmp))
        models = {spec["name"]: add_model(col, spec) for spec in FEATURE_MODELS}
        for i, (model, deck, values, tags) in enumerate(FEATURE_NOTES):
            add_note(col, models[model], values, deck, tags, f"tdfeature{i:04d}")
        put_media(col, "red-square.png", png(24, 24, (200, 30, 30)))
        put_media(col, "tick.wav", wav())
        render_all(col)
        missing = [n for n in col.media.check().missing if n.startswith("latex-")]
        if missing:
            raise SystemExit(f"LaTeX images were not rendered: {missing}")
        # One formula keeps no image, so the MathJax fallback is exercised too.
        dropped = _dropped_image()
        (Path(col.media.dir()) / dropped).unlink()
        print(f"left out {dropped}")
        export(col, out / "anki-features" / "deck.apkg", legacy=False)
        col.close()


def _dropped_image() -> str:
    """The image Anki renders for the Stokes formula of the made-up deck."""
    import hashlib

    body = "$\\oint_C \\mathbf{F}\\cdot d\\mathbf{r}$"
    return f"latex-{hashlib.sha1(body.encode()).hexdigest()}.png"


def main() -> None:
    mirrors, out = Path(sys.argv[1]), Path(sys.argv[2])
    sys.path.insert(0, str(Path(__file__).parent))
    which = sys.argv[3:] or ["algebra", "ea", "major", "geo", "math", "themes", "features"]
    if "algebra" in which:
        algebra(mirrors, out)
    if "ea" in which:
        crowdanki(
            mirrors,
            out,
            "benthamite+EA-numbers",
            "EA-numbers.json",
            "media",
            "ea-numbers",
            # The last version before it moved from [$] LaTeX to MathJax.
            "c013ca5",
        )
    if "major" in which:
        crowdanki(
            mirrors,
            out,
            "b3nj5m1n+anki-major-system",
            "Major_System/deck.json",
            "Major_System/media",
            "major-system",
            "HEAD",
        )
    if "geo" in which:
        geography(mirrors, out)
    if "themes" in which:
        crowdanki(
            mirrors,
            out,
            "b3nj5m1n+moderncardthemes",
            "\N{TEST TUBE}_Test_Deck/deck.json",
            "\N{TEST TUBE}_Test_Deck/media",
            "modern-card-themes",
            "d44789b",
            # Sentence recordings (Tatoeba numbering) whose licence the repository does not
            # state: the notes keep their [sound:] tags, the files are not kept.
            frozenset({"266065.mp3", "368205.mp3", "693619.mp3", "1392633.mp3"}),
        )
    if "math" in which:
        whole_apkg(mirrors, out, "aradzie+anki-math", "Math.apkg", "anki-math", "77ea5c5")
    if "features" in which:
        if not shutil.which("latex"):
            raise SystemExit("install latex and dvipng first")
        features(out)


if __name__ == "__main__":
    main()
