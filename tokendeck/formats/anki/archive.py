"""Reading an untrusted Anki zip archive with bounded decompression.

Every byte that comes out of the archive goes through :class:`Archive`, which
counts it against :class:`Limits`. Sizes declared in zip headers are only
hints (a hostile file can lie), so the limits are enforced on the bytes
actually produced while streaming, and a member is refused as soon as it
crosses them rather than after it has filled the disk or memory.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO

from tokendeck.errors import ImportFormatError, TooLargeError

_CHUNK = 1 << 20


@dataclass(frozen=True)
class Limits:
    """How much an archive may expand to before it is treated as a zip bomb."""

    #: Total bytes all members may decompress to (collection + media).
    max_total_bytes: int = 8 << 30
    #: Largest expansion ratio accepted for members bigger than ``ratio_floor``.
    max_ratio: int = 200
    #: Members smaller than this are never judged by their ratio (tiny files
    #: of repeated bytes compress extremely well and are harmless).
    ratio_floor: int = 16 << 20


class Archive:
    """A zip file opened for safe, bounded reading."""

    def __init__(self, file: str | Path | BinaryIO, *, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self._produced = 0
        try:
            self._zip = zipfile.ZipFile(file)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
            raise ImportFormatError(
                f"not a readable zip archive ({exc})",
                path=source,
                hint="the file is corrupt or not an Anki package; export it from Anki again",
            ) from None
        self._names = {info.filename: info for info in self._zip.infolist()}

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the underlying zip file."""
        self._zip.close()

    def has(self, name: str) -> bool:
        """Whether the archive has a member called ``name``."""
        return name in self._names

    def read(self, name: str, *, zstd: bool = False) -> bytes:
        """The whole (decompressed) member; for small members such as maps."""
        return b"".join(self.iter_chunks(name, zstd=zstd))

    def extract(self, name: str, dest: Path, *, zstd: bool = False) -> None:
        """Stream a member into the file ``dest``."""
        with dest.open("wb") as out:
            for chunk in self.iter_chunks(name, zstd=zstd):
                out.write(chunk)

    def iter_chunks(self, name: str, *, zstd: bool = False) -> Iterator[bytes]:
        """Decompressed bytes of a member, checked against the limits as they come."""
        info = self._names.get(name)
        if info is None:
            raise ImportFormatError(f"member {name!r} is missing", path=self.source)
        self._check_declared(info)
        produced = 0
        errors = _decode_errors(zstd)
        try:
            with self._zip.open(info) as raw:
                stream = _zstd_reader(raw) if zstd else raw
                while chunk := stream.read(_CHUNK):
                    produced += len(chunk)
                    self._count(info, len(chunk), produced)
                    yield chunk
        except errors as exc:
            raise ImportFormatError(
                f"member {name!r} is corrupt ({exc})",
                path=self.source,
                hint="the package is damaged; export it from Anki again",
            ) from None

    def _check_declared(self, info: zipfile.ZipInfo) -> None:
        if self._produced + info.file_size > self.limits.max_total_bytes:
            self._too_large(info.filename)

    def _count(self, info: zipfile.ZipInfo, size: int, produced: int) -> None:
        self._produced += size
        if self._produced > self.limits.max_total_bytes:
            self._too_large(info.filename)
        compressed = max(info.compress_size, 1)
        if produced > self.limits.ratio_floor and produced > compressed * self.limits.max_ratio:
            raise TooLargeError(
                f"{self.source}: member {info.filename!r} expands more than "
                f"{self.limits.max_ratio}x; refusing a likely zip bomb",
                hint="if the file is genuine, re-export it from Anki",
            )

    def _too_large(self, name: str) -> None:
        limit_mib = self.limits.max_total_bytes >> 20
        raise TooLargeError(
            f"{self.source}: member {name!r} takes the package over {limit_mib} MiB "
            "when decompressed; refusing a likely zip bomb",
            hint="split the deck into smaller exports",
        )


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    import zstandard  # lazy: only anki21b packages need it

    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return reader


def _decode_errors(zstd: bool) -> tuple[type[Exception], ...]:
    errors: tuple[type[Exception], ...] = (zipfile.BadZipFile, OSError, EOFError, ValueError)
    if zstd:
        import zstandard

        errors += (zstandard.ZstdError,)
    return errors
