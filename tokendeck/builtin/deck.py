"""The packaged "LLM Vocabulary" deck: loading and checking its content.

The deck's text lives in ``tokendeck/data/llm-vocabulary.toml`` so that it can
be edited without touching code. This module only turns that file into an
:class:`~tokendeck.transfer.package.Package`; the collection installs or updates it
(matching notes by GUID, and updating text when :attr:`BuiltinDeck.version`
grows).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tokendeck.errors import TokenDeckError
from tokendeck.transfer.package import DeckRecord, NoteRecord, Package

#: Name of the deck the built-in notes are installed into.
BUILTIN_DECK_NAME = "LLM Vocabulary"

#: The packaged file, relative to the ``tokendeck`` package.
BUILTIN_RESOURCE = "data/llm-vocabulary.toml"

#: Schema version of the TOML file this code understands.
SUPPORTED_FORMAT = 1

#: The tag vocabulary of the built-in deck (keeps tags consistent across edits).
ALLOWED_TAGS = frozenset(
    {"model", "dataset", "concept", "vision", "diffusion", "nlp", "benchmark", "security"}
    | {"openai", "google", "eleutherai", "multimodal", "hci"}
)

_VERSION_LINE = re.compile(r"^version\s*=\s*(\d+)\s*(?:#.*)?$", re.MULTILINE)

_FIX_HINT = "reinstall TokenDeck, or fix tokendeck/data/llm-vocabulary.toml if you are editing it"


@dataclass(frozen=True)
class BuiltinDeck:
    """The built-in deck as shipped: its content version and its notes."""

    #: Content version; bumped whenever card text changes.
    version: int
    deck: str
    description: str
    package: Package


class BuiltinDeckError(TokenDeckError):
    """The packaged deck file is missing or malformed (a packaging bug)."""

    status = 500
    code = "builtin_deck"


def load_builtin() -> BuiltinDeck:
    """Read, validate and return the packaged "LLM Vocabulary" deck.

    Raises :class:`BuiltinDeckError` (a :class:`TokenDeckError`) if the file
    is missing or breaks a rule, naming the note and the rule.
    """
    return parse_builtin(_read_resource())


def builtin_version() -> int:
    """The packaged deck's content version, without parsing the whole file.

    For the check made on every collection open: reading one header line is
    far cheaper than importing tomllib and parsing all the notes.
    """
    text = _read_resource()
    match = _VERSION_LINE.search(text[: text.find("[[notes]]")])
    if match is None:
        return load_builtin().version  # let the full parser explain what is wrong
    return int(match.group(1))


def parse_builtin(text: str) -> BuiltinDeck:
    """Turn the text of a built-in deck TOML file into a :class:`BuiltinDeck`."""
    import tomllib  # only when the deck is (re)installed: keeps collection opening lean

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BuiltinDeckError(
            f"built-in deck file is not valid TOML: {exc}", hint=_FIX_HINT
        ) from exc
    if data.get("format") != SUPPORTED_FORMAT:
        raise BuiltinDeckError(
            f"built-in deck file has format {data.get('format')!r}, expected {SUPPORTED_FORMAT}",
            hint=_FIX_HINT,
        )
    deck = _text(data, "deck", "the file")
    source = _text(data, "source", "the file")
    raw_notes = data.get("notes")
    if not isinstance(raw_notes, list) or not raw_notes:
        raise BuiltinDeckError("built-in deck file has no [[notes]]", hint=_FIX_HINT)
    notes = [_note(raw, deck, source, index) for index, raw in enumerate(raw_notes, start=1)]
    _check_unique_guids(notes)
    package = Package(
        notes=notes,
        decks=[DeckRecord(name=deck, description=str(data.get("description", "")))],
        source=source,
        match="guid",
    )
    return BuiltinDeck(
        version=_int(data, "version", "the file"),
        deck=deck,
        description=str(data.get("description", "")),
        package=package,
    )


def _read_resource() -> str:
    try:
        return resources.files("tokendeck").joinpath(BUILTIN_RESOURCE).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BuiltinDeckError(
            f"cannot read the built-in deck file {BUILTIN_RESOURCE}: {exc}", hint=_FIX_HINT
        ) from exc


def _note(raw: Any, deck: str, source: str, index: int) -> NoteRecord:
    where = f"note #{index}"
    if not isinstance(raw, dict):
        raise BuiltinDeckError(f"{where} is not a table", hint=_FIX_HINT)
    guid = _text(raw, "guid", where)
    where = f"note #{index} ({guid})"
    back = _text(raw, "back", where)
    _check_first_line(back, where)
    entry = _int(raw, "source_entry", where)
    heading = _text(raw, "source_heading", where)
    return NoteRecord(
        front=_text(raw, "front", where),
        back=back,
        deck=deck,
        kind="basic",
        guid=guid,
        tags=_tags(raw, where),
        accepted=_strings(raw, "accepted", where),
        source=f"{source}#{entry} {heading}",
        source_note=str(raw.get("source_note", "")),
    )


def _check_first_line(back: str, where: str) -> None:
    # The first line is what a learner checks their answer against, so it
    # must be one complete sentence, set apart from the details below it.
    lines = back.split("\n")
    if not lines[0].rstrip().endswith("."):
        raise BuiltinDeckError(
            f"{where}: the first line of `back` must be one sentence ending with a full stop",
            hint=_FIX_HINT,
        )
    if len(lines) > 1 and lines[1].strip():
        raise BuiltinDeckError(
            f"{where}: the one-sentence answer must be followed by a blank line", hint=_FIX_HINT
        )


def _check_unique_guids(notes: list[NoteRecord]) -> None:
    seen: set[str] = set()
    for note in notes:
        if note.guid in seen:
            raise BuiltinDeckError(f"duplicate guid {note.guid!r}", hint=_FIX_HINT)
        seen.add(note.guid or "")


def _tags(raw: dict[str, Any], where: str) -> list[str]:
    tags = _strings(raw, "tags", where)
    unknown = sorted(set(tags) - ALLOWED_TAGS)
    if unknown:
        raise BuiltinDeckError(
            f"{where}: unknown tags {unknown}; use only {sorted(ALLOWED_TAGS)}", hint=_FIX_HINT
        )
    return tags


def _text(table: dict[str, Any], key: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BuiltinDeckError(f"{where}: `{key}` must be a non-empty string", hint=_FIX_HINT)
    return value.strip()


def _int(table: dict[str, Any], key: str, where: str) -> int:
    value = table.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BuiltinDeckError(f"{where}: `{key}` must be a positive integer", hint=_FIX_HINT)
    return value


def _strings(table: dict[str, Any], key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise BuiltinDeckError(
            f"{where}: `{key}` must be a list of non-empty strings", hint=_FIX_HINT
        )
    return list(value)
