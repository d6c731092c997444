"""An import's media files: staged beside the media folder, moved in when the import commits.

The names files are stored under are worked out first (:func:`plan`), so the
notes' references can follow a renamed file before the notes are written. Inside
the import's transaction the files are written to a private staging folder next
to the collection's media folder (same file system, so moving them in is a
rename); only when the transaction has committed are they moved in. A failing
import removes the staging folder and leaves no file behind.

A file whose name is taken by a *different* file already in the folder is
renamed as Anki renames it (``name-<sha1 of its bytes>.ext``), and the notes'
references to it are rewritten to follow; a file identical to one already
there is not copied again.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from tokendeck import progress
from tokendeck.errors import ImportFormatError
from tokendeck.transfer.package import MediaFile, Package


@dataclass
class StagedMedia:
    """An import's media: the names they are stored under, then the staged files."""

    #: Name in the media folder -> the file's bytes (files the folder lacks).
    files: dict[str, bytes] = field(default_factory=dict)
    #: Package name -> the name it is stored under, for names that clashed.
    renamed: dict[str, str] = field(default_factory=dict)
    #: How many of the package's files the media folder has after the import.
    count: int = 0
    folder: Path | None = None

    def stage(self, media_dir: Path) -> None:
        """Write the files to a staging folder beside ``media_dir`` (nothing in it changes)."""
        if not self.files:
            return
        media_dir.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{media_dir.name}-import-"
        self.folder = Path(tempfile.mkdtemp(prefix=prefix, dir=media_dir.parent))
        for done, (name, data) in enumerate(self.files.items(), start=1):
            (self.folder / name).write_bytes(data)
            progress.report("writing media files", done, len(self.files))

    def commit(self, media_dir: Path) -> None:
        """Move the staged files into ``media_dir`` (after the database committed)."""
        if self.folder is None:
            return
        media_dir.mkdir(parents=True, exist_ok=True)
        for name in self.files:
            os.replace(self.folder / name, media_dir / name)
        self.discard()

    def discard(self) -> None:
        """Remove the staging folder and whatever is left in it."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def plan(media_dir: Path, media: list[MediaFile]) -> StagedMedia:
    """Which of ``media`` the folder needs, and under which names (nothing is written)."""
    staged = StagedMedia()
    chosen: dict[str, bytes] = {}
    for item in media:  # a name listed twice: the last one wins, as when writing files
        chosen[safe_media_name(item.name)] = item.data
    for name, data in chosen.items():
        target = _free_name(media_dir, name, data)
        if target != name:
            staged.renamed[name] = target
        if not _same_file(media_dir / target, data):
            staged.files[target] = data
    staged.count = len(chosen)
    return staged


def _free_name(media_dir: Path, name: str, data: bytes) -> str:
    """``name``, or Anki's renamed form when a different file already has it."""
    existing = media_dir / name
    if not existing.exists() or _same_file(existing, data):
        return name
    digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
    stem, dot, suffix = name.rpartition(".")
    return f"{stem}-{digest}.{suffix}" if dot and stem else f"{name}-{digest}"


def _same_file(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def safe_media_name(name: str) -> str:
    """A media file name that cannot leave the media folder."""
    base = PurePosixPath(name.replace("\\", "/")).name
    if base in ("", ".", "..") or base.startswith(".") or "\x00" in base:
        raise ImportFormatError(
            f"unsafe media file name {name!r}", hint="media names must be plain file names"
        )
    return base


# -- following renamed files in the notes ----------------------------------------------------

#: A media reference: an HTML src/data attribute, a sound tag, a CSS url(), a Markdown link.
_REFERENCE = re.compile(
    r"""(?P<attr>\b(?:src|data)\s*=\s*)(?P<q>["']?)(?P<a>[^"'\s>]+|(?<=["'])[^"']*)(?P=q)"""
    r"""|(?P<sound>\[sound:)(?P<s>[^\]]+)\]"""
    r"""|(?P<url>url\(\s*)(?P<uq>["']?)(?P<u>[^"')]+)(?P=uq)(?P<ue>\s*\))"""
    r"""|(?P<md>\]\()(?:<(?P<mb>[^>]+)>|(?P<m>[^)\s]+))(?P<me>(?:\s+"[^"]*")?\))""",
    re.IGNORECASE,
)


def rewrite_references(text: str, renamed: dict[str, str]) -> str:
    """``text`` with every reference to a renamed media file pointing at its new name."""
    if not renamed or not any(old in text or html.escape(old) in text for old in renamed):
        return text

    def new_name(old: str) -> str | None:
        found = renamed.get(html.unescape(old))
        if found is None:
            return None
        return html.escape(found, quote=True) if old != html.unescape(old) else found

    def replace(match: re.Match[str]) -> str:
        if match.group("attr") is not None:
            new = new_name(match.group("a"))
            quote = match.group("q")
            return match.group(0) if new is None else f"{match.group('attr')}{quote}{new}{quote}"
        if match.group("sound") is not None:
            new = new_name(match.group("s"))
            return match.group(0) if new is None else f"[sound:{new}]"
        if match.group("url") is not None:
            new = new_name(match.group("u"))
            quote = match.group("uq")
            return (
                match.group(0)
                if new is None
                else f"{match.group('url')}{quote}{new}{quote}{match.group('ue')}"
            )
        if match.group("mb") is not None:  # ![alt](<name with spaces>)
            new = new_name(match.group("mb"))
            return match.group(0) if new is None else f"](<{new}>{match.group('me')}"
        new = new_name(match.group("m"))
        return match.group(0) if new is None else f"]({new}{match.group('me')}"

    return _REFERENCE.sub(replace, text)


def follow_renames(package: Package, renamed: dict[str, str]) -> None:
    """Point the package's notes and note types at the names their media are stored under."""
    if not renamed:
        return
    for note in package.notes:
        note.front = rewrite_references(note.front, renamed)
        note.back = rewrite_references(note.back, renamed)
        if note.fields:
            note.fields = {k: rewrite_references(v, renamed) for k, v in note.fields.items()}
    for note_type in package.note_types:
        note_type.css = rewrite_references(note_type.css, renamed)
        for template in note_type.templates:
            template.question = rewrite_references(template.question, renamed)
            template.answer = rewrite_references(template.answer, renamed)


def renamed_warnings(renamed: dict[str, str]) -> Iterable[str]:
    """One line per renamed file, for the import's result."""
    for old, new in renamed.items():
        yield f"media file {old!r} differs from the one already here: kept as {new!r}"
