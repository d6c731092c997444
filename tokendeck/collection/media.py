"""The collection's media folder: which files the notes use, which are missing, which unused.

As Anki's Check Media does, a file is *used* when a note's field names it
(``<img src>``, ``<audio>``/``<video>``/``<source>``, ``[sound:…]``, a legacy
LaTeX image its ``[$]…[/$]`` text would make) or when a note type that notes
use names it in a template or its stylesheet; a Markdown note's images
(``![alt](cat.png)``, ``<img src>``) count too. Files whose names start with
``_`` are kept as Anki keeps them (templates load them by name). Exports carry
the files their notes use (:meth:`Media.files_for`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from tokendeck.collection.core import Core
from tokendeck.domain.notetypes import NoteType

if TYPE_CHECKING:
    from tokendeck.transfer.package import MediaFile, NoteTypeRecord, Package

#: ``![alt](name)`` and ``![alt](<name with spaces>)`` in Markdown.
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*(?:<([^>]+)>|([^)\s]+))")


@dataclass
class MediaCheck:
    """What ``tokendeck media check`` reports."""

    #: Files notes use that the media folder lacks: name -> ids of the notes.
    missing: dict[str, list[int]] = field(default_factory=dict)
    #: Files of the media folder that nothing uses.
    unused: list[str] = field(default_factory=list)
    #: How many files the folder has, and how many distinct files the notes use.
    files: int = 0
    used: int = 0
    folder: str = ""


class Media:
    """The media folder of a collection and the files its notes use."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def folder(self) -> Path:
        """The media folder (it may not exist yet)."""
        return self.core.media_dir()

    def present(self) -> list[str]:
        """Names of the files in the media folder, sorted."""
        folder = self.folder()
        if not folder.is_dir():
            return []
        return sorted(p.name for p in folder.iterdir() if p.is_file())

    def used(self) -> dict[str, list[int]]:
        """Every media name the notes use -> the ids of the notes that use it."""
        store = self.core.store
        types = {t.id: t for t in store.note_types.all()}
        by_type: dict[int, list[int]] = {}
        found: dict[str, list[int]] = {}
        for note_id, fmt, front, back, fields_json, type_id in store.notes.media_texts():
            note_type = types.get(type_id) if type_id is not None else None
            if fmt == "html" and note_type is not None:
                fields = json.loads(fields_json) if fields_json != "{}" else {}
                names = html_references(fields.values(), note_type.latex_svg)
                by_type.setdefault(note_type.id, []).append(note_id)
            else:
                names = markdown_references((front, back))
            for name in names:
                found.setdefault(name, []).append(note_id)
        for type_id, note_ids in by_type.items():
            for name in type_references(types[type_id]):
                found.setdefault(name, []).extend(note_ids[:1])
        return found

    def check(self) -> MediaCheck:
        """Missing and unused files, as Anki's Check Media lists them."""
        used = self.used()
        present = self.present()
        have = set(present)
        missing = {name: sorted(set(ids)) for name, ids in sorted(used.items()) if name not in have}
        unused = [n for n in present if n not in used and not n.startswith("_")]
        return MediaCheck(missing, unused, len(present), len(used), str(self.folder()))

    def files_for(self, package: Package) -> list[MediaFile]:
        """The files the package's notes (and their note types) use that the folder has."""
        from tokendeck.transfer.package import MediaFile

        types = {t.name: t for t in package.note_types}
        names: list[str] = []
        for note in package.notes:
            note_type = types.get(note.note_type or "")
            if note.format == "html" and note_type is not None:
                names += html_references(note.fields.values(), note_type.latex_svg)
            else:
                names += markdown_references((note.front, note.back))
        for note_type in types.values():
            names += type_references(note_type)
        folder = self.folder()
        files = []
        for name in dict.fromkeys(names):
            path = folder / name
            if "/" not in name and "\\" not in name and path.is_file():
                files.append(MediaFile(name, path.read_bytes()))
        return files


def html_references(values: Iterable[str], latex_svg: bool) -> list[str]:
    """Media names in an Anki note's fields: tags, sound tags, legacy LaTeX images."""
    from tokendeck.rendering import latex, media

    names: list[str] = []
    for value in values:
        if not value:
            continue
        names += media.references(value)
        if latex.contains_latex(value):
            names += [f.file_name for f in latex.formulas(value, svg=latex_svg)]
    return list(dict.fromkeys(names))


def markdown_references(texts: Iterable[str]) -> list[str]:
    """Media names in a Markdown note: ``![alt](name)`` images and HTML media tags."""
    from tokendeck.rendering import media

    names: list[str] = []
    for text in texts:
        if "![" in text:
            for match in _MARKDOWN_IMAGE.finditer(text):
                name = unquote(match.group(1) or match.group(2))
                if media.is_local(name):
                    names.append(name)
        if "<" in text or "[sound:" in text:
            names += media.references(text)
    return list(dict.fromkeys(names))


def type_references(note_type: NoteType | NoteTypeRecord) -> list[str]:
    """Media a note type's templates and stylesheet load by name."""
    from tokendeck.rendering import media

    names = media.css_references(note_type.css)
    for template in note_type.templates:
        names += media.references(template.question + template.answer)
    return list(dict.fromkeys(names))
