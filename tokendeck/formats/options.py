"""Options shared by every format reader and writer.

A reader is ``read(data: bytes, *, source: str, options: ReadOptions | None = None)
-> Package``; a writer is ``write(package: Package, options: WriteOptions | None = None)
-> bytes``. Options a format does not use are ignored, so the CLI can pass one
object to whichever format it detected.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tokendeck.untrusted.budget import ReadLimits


@dataclass(frozen=True)
class ReadOptions:
    """How to interpret a file being imported."""

    #: Deck for notes whose file names none (the CLI's ``--deck``).
    deck: str | None = None
    #: Field separator; ``None`` sniffs it (CSV) or uses the format's default.
    separator: str | None = None
    #: Between-rows separator (Quizlet); ``None`` means newline.
    row_separator: str | None = None
    #: Tags added to every note read.
    tags: tuple[str, ...] = ()
    #: What reading the file may cost (time, bytes, members, rows); None: the defaults.
    limits: ReadLimits | None = None


@dataclass(frozen=True)
class WriteOptions:
    """How to write an exported file."""

    #: Field separator (CSV: tab by default; Quizlet: tab by default).
    separator: str | None = None
    #: Between-rows separator (Quizlet); ``None`` means newline.
    row_separator: str | None = None
    #: Extra, format-specific settings (kept open so a format can grow).
    extra: dict[str, object] = field(default_factory=dict)


def sniffing_text(head: bytes) -> str:
    """The start of a file as text for guessing its format: UTF-16 when it has that BOM
    (Excel's "Unicode text"), else UTF-8; a bad or cut byte becomes U+FFFD."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        cut = len(head) - len(head) % 2  # the head may end inside a character
        return head[:cut].decode("utf-16", errors="replace")
    return head.decode("utf-8-sig", errors="replace")


def decode_text(data: bytes, *, source: str) -> str:
    """Decode a text file as UTF-8 (BOM allowed), naming the line of a bad byte."""
    from tokendeck.errors import ImportFormatError

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # Excel's "Unicode text" export
        except UnicodeDecodeError as exc:
            raise ImportFormatError(
                f"it starts like UTF-16 text but byte {exc.start} is not ({exc.reason})",
                path=source,
                hint="save the file again as UTF-8 or 'Unicode text'",
            ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ImportFormatError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            path=source,
            line=line,
            hint="save the file as UTF-8 (in Excel: 'CSV UTF-8'; in a text editor: encoding UTF-8)",
        ) from None
