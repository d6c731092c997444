"""The one zip reader for untrusted archives: Anki packages, backups and snapshots.

:class:`SafeZip` checks the whole central directory before any member is read
(member count, compression method, the encryption flag, names, declared sizes)
and then counts every byte that comes out while it streams, because sizes
declared in zip headers are only claims and a zstd stream inside a member
declares nothing at all. A member or the archive is refused as soon as it
crosses a limit of its :class:`~tokendeck.untrusted.budget.Budget`: decompressed
bytes per member and in total, expansion ratio, time. Whatever the zip or zstd
libraries raise on damaged data (``zlib.error``, ``BadZipFile``, a CRC
mismatch, ``ZstdError``) becomes an :class:`~tokendeck.errors.ImportFormatError`
naming the file and the member.
"""

from __future__ import annotations

import io
import os
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO, BinaryIO

from tokendeck.errors import ImportFormatError, TokenDeckError, TooLargeError
from tokendeck.untrusted.budget import Budget
from tokendeck.untrusted.guard import printable

#: The compression methods TokenDeck and Anki write; anything else is refused up front.
ALLOWED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
_CHUNK = 1 << 20
_MAX_MEMBER_NAME_BYTES = 1024
#: What the zip and zstd libraries raise on damaged data.
_DAMAGE: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


class SafeZip:
    """A zip archive checked up front and read within a budget.

    ``hint`` ends every error about the archive (what the user can do about it).
    """

    def __init__(self, file: str | Path | BinaryIO, *, budget: Budget, hint: str) -> None:
        self.budget = budget
        self.source = budget.source
        self.hint = hint
        self._size = _archive_size(file)
        self._total = 0
        try:
            self._zip = zipfile.ZipFile(file)
        except TokenDeckError:
            raise
        except Exception as exc:  # the central directory is untrusted bytes: anything goes
            raise ImportFormatError(
                f"not a readable zip archive ({printable(exc)})", path=self.source, hint=hint
            ) from None
        try:
            self._infos = self._check_directory(self._zip.infolist())
        except BaseException:
            self._zip.close()
            raise

    # -- the directory ---------------------------------------------------------------
    def _check_directory(self, infos: list[zipfile.ZipInfo]) -> dict[str, zipfile.ZipInfo]:
        limits = self.budget.limits
        if len(infos) > limits.max_members:
            raise TooLargeError(
                f"{self.source}: {len(infos):,} members is more than the "
                f"{limits.max_members:,} an archive may have; refused",
                hint=self.hint,
            )
        found: dict[str, zipfile.ZipInfo] = {}
        declared = 0
        for info in infos:
            self._check_member(info)
            if info.filename in found:
                raise self._bad(f"two members are called {info.filename!r}")
            found[info.filename] = info
            declared += info.file_size
        if declared > limits.max_total_bytes:
            raise self._too_large("its members", declared)
        return found

    def _check_member(self, info: zipfile.ZipInfo) -> None:
        name = info.filename
        if info.flag_bits & 0x1:
            raise ImportFormatError(
                f"member {name!r} is encrypted",
                path=self.source,
                hint="TokenDeck reads archives without a password; export it again without one",
            )
        if info.compress_type not in ALLOWED_METHODS:
            raise ImportFormatError(
                f"member {name!r} uses zip compression method {info.compress_type}, "
                "which TokenDeck does not read",
                path=self.source,
                hint="only stored and deflated members are read; export the file again",
            )
        if not _plain_member_name(name):
            raise self._bad(f"member name {name[:80]!r} is not a plain relative path")
        if info.file_size > self.budget.limits.max_member_bytes:
            raise self._too_large(f"member {name!r}", info.file_size)

    # -- members ---------------------------------------------------------------------
    def names(self) -> list[str]:
        """Every member name, in archive order."""
        return list(self._infos)

    def has(self, name: str) -> bool:
        """Whether the archive has a member called ``name``."""
        return name in self._infos

    def info(self, name: str) -> zipfile.ZipInfo:
        """The directory entry of a member (ImportFormatError if it is missing)."""
        info = self._infos.get(name)
        if info is None:
            raise self._bad(f"member {name!r} is missing")
        return info

    def iter_chunks(self, name: str, *, zstd: bool = False) -> Iterator[bytes]:
        """A member's decompressed bytes (``zstd``: the member is one zstd stream)."""
        info = self.info(name)
        produced = 0
        try:
            with self._zip.open(info) as raw:
                stream = _zstd_reader(raw) if zstd else raw
                while chunk := stream.read(_CHUNK):
                    produced += len(chunk)
                    self._count(info, len(chunk), produced)
                    yield chunk
        except TokenDeckError:
            raise
        except _damage_errors(zstd) as exc:
            raise self._bad(f"member {name!r} is corrupt ({printable(exc)})") from None

    def read(self, name: str, *, zstd: bool = False) -> bytes:
        """A whole member (for members that are parsed in memory)."""
        buffer = bytearray()
        for chunk in self.iter_chunks(name, zstd=zstd):
            buffer += chunk
        return bytes(buffer)

    def copy(self, name: str, out: IO[bytes], *, zstd: bool = False) -> None:
        """Stream a member into an open file."""
        for chunk in self.iter_chunks(name, zstd=zstd):
            out.write(chunk)

    def extract(self, name: str, dest: Path, *, zstd: bool = False) -> None:
        """Stream a member into the file ``dest``."""
        with dest.open("wb") as out:
            self.copy(name, out, zstd=zstd)

    def close(self) -> None:
        """Release the archive."""
        self._zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- counting ----------------------------------------------------------------------
    def _count(self, info: zipfile.ZipInfo, size: int, produced: int) -> None:
        limits = self.budget.limits
        self._total += size
        if produced > limits.max_member_bytes:
            raise self._too_large(f"member {info.filename!r}", produced)
        if self._total > limits.max_total_bytes:
            raise self._too_large("its members", self._total)
        if produced > limits.ratio_floor and produced > info.compress_size * limits.max_ratio:
            raise self._bomb(f"member {info.filename!r} expands")
        if self._total > limits.ratio_floor and self._total > self._size * limits.max_ratio:
            raise self._bomb(f"member {info.filename!r} makes the archive expand")
        self.budget.check_time()

    def _bad(self, message: str) -> ImportFormatError:
        return ImportFormatError(message, path=self.source, hint=self.hint)

    def _too_large(self, what: str, size: int) -> TooLargeError:
        limit = self.budget.limits.max_total_bytes
        return TooLargeError(
            f"{self.source}: {what} would take the archive over {limit >> 20} MiB "
            f"decompressed ({size:,} bytes); refusing a likely zip bomb",
            hint="split the export into smaller files",
        )

    def _bomb(self, what: str) -> TooLargeError:
        ratio = self.budget.limits.max_ratio
        return TooLargeError(
            f"{self.source}: {what} more than {ratio}x when decompressed; "
            "refusing a likely zip bomb",
            hint="if the file is genuine, export it again",
        )


def _plain_member_name(name: str) -> bool:
    # Members are never extracted by their own names, but a name that climbs out of
    # the archive (or hides a NUL) only comes from a tool built to do harm.
    if not name or "\x00" in name:
        return False
    if len(name.encode("utf-8", "surrogatepass")) > _MAX_MEMBER_NAME_BYTES:
        return False
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts


def _archive_size(file: str | Path | BinaryIO) -> int:
    if isinstance(file, str | Path):
        try:
            return os.stat(file).st_size
        except OSError:
            return 0  # ZipFile will say what is wrong with it
    if isinstance(file, io.BytesIO):
        return len(file.getbuffer())
    position = file.tell()
    size = file.seek(0, os.SEEK_END)
    file.seek(position)
    return size


def _zstd_reader(raw: IO[bytes]) -> IO[bytes]:
    import zstandard  # lazy: only anki21b packages and snapshots need it

    reader: IO[bytes] = zstandard.ZstdDecompressor().stream_reader(raw, read_across_frames=True)
    return reader


def _damage_errors(zstd: bool) -> tuple[type[Exception], ...]:
    if not zstd:
        return _DAMAGE
    import zstandard

    return (*_DAMAGE, zstandard.ZstdError)
