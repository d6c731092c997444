"""The media map of a package: which zip member holds which media file.

Legacy packages map member names to file names in JSON (``{"0": "cat.jpg"}``);
newer ones list files in a zstd-compressed protobuf (``MediaEntries``) whose
n-th entry is stored, itself zstd-compressed, in member ``"n"``. File names
come from an untrusted file, so anything that could leave the media folder
(separators, ``..``, absolute or drive paths, control characters) or could
not be saved (over 255 bytes, not text) is refused
(:func:`tokendeck.untrusted.names.media_name_problem`).
"""

from __future__ import annotations

import json
import unicodedata

from tokendeck.errors import ImportFormatError
from tokendeck.formats.anki import protobuf
from tokendeck.untrusted.names import media_name_problem, shown


def safe_name(name: str, *, source: str) -> str:
    """``name`` normalised to NFC, or ImportFormatError if it could escape the folder."""
    cleaned = unicodedata.normalize("NFC", name)
    problem = media_name_problem(cleaned)
    if problem:
        raise ImportFormatError(
            f"media file name {shown(name)} {problem}",
            path=source,
            record="media map",
            hint="the package names a file that cannot be saved as it is; do not trust it",
        )
    return cleaned


def legacy_map(data: bytes, *, source: str) -> list[tuple[str, str]]:
    """``(member, file name)`` pairs from a legacy JSON media map."""
    try:
        mapping = json.loads(data.decode("utf-8") or "{}")
    except ValueError as exc:
        raise ImportFormatError(
            f"media map is not JSON ({exc})", path=source, record="media map"
        ) from None
    if not isinstance(mapping, dict):
        raise ImportFormatError("media map is not a JSON object", path=source, record="media map")
    return [(str(member), safe_name(str(name), source=source)) for member, name in mapping.items()]


def protobuf_map(data: bytes, *, source: str) -> list[tuple[str, str]]:
    """``(member, file name)`` pairs from a newer protobuf media map."""
    pairs: list[tuple[str, str]] = []
    try:
        for index, (number, entry) in enumerate(protobuf.iter_fields(data)):
            if number != 1 or not isinstance(entry, bytes):
                raise protobuf.ProtobufError(f"unexpected field {number}")
            name = protobuf.first_str(protobuf.fields(entry), 1)
            pairs.append((str(index), safe_name(name, source=source)))
    except protobuf.ProtobufError as exc:
        raise ImportFormatError(
            f"media map is not a valid protobuf list ({exc})", path=source, record="media map"
        ) from None
    return pairs
