"""Progress of imports and exports: what the work reports, and the bar the CLI draws."""

from __future__ import annotations

import os
import pty
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from tokendeck import progress
from tokendeck.cli.transfer import progress as progress_bar
from tokendeck.collection import Collection
from tokendeck.formats.anki import writing
from tokendeck.transfer.package import MediaFile, NoteRecord, Package

Event = tuple[str, int, int]


def _package(notes: int, media: int = 0) -> Package:
    return Package(
        notes=[NoteRecord(front=f"term {i}", back=f"meaning {i}") for i in range(notes)],
        media=[MediaFile(f"m{i}.txt", b"x") for i in range(media)],
    )


def _recorded(events: list[Event]) -> progress.Reporter:
    return lambda stage, done, total: events.append((stage, done, total))


def test_chunks_cover_every_row_once_and_report_after_each() -> None:
    events: list[Event] = []
    rows = list(range(25))
    with progress.listening(_recorded(events)):
        parts = [list(part) for part in progress.chunks(rows, "writing", size=10)]
    assert parts == [rows[:10], rows[10:20], rows[20:]]
    assert events == [("writing", 10, 25), ("writing", 20, 25), ("writing", 25, 25)]


def test_chunks_of_nothing_still_run_the_statement_once_and_report_nothing() -> None:
    events: list[Event] = []
    nothing: list[int] = []
    with progress.listening(_recorded(events)):
        assert [list(part) for part in progress.chunks(nothing, "writing")] == [[]]
    assert events == []


def test_nobody_listening_is_a_no_op_and_listeners_nest() -> None:
    progress.report("alone", 1, 2)  # no listener: nothing happens, nothing raises
    outer: list[Event] = []
    inner: list[Event] = []
    with progress.listening(_recorded(outer)):
        with progress.listening(_recorded(inner)):
            progress.report("inner", 1, 1)
        progress.report("outer", 2, 2)
    assert inner == [("inner", 1, 1)]
    assert outer == [("outer", 2, 2)]


def test_a_large_import_reports_its_notes_in_chunks(col: Collection, now: datetime) -> None:
    events: list[Event] = []
    notes = progress.CHUNK * 2 + 500
    with progress.listening(_recorded(events)):
        result = col.import_package(_package(notes, media=2), now=now)
    assert result.added == notes
    written = [(done, total) for stage, done, total in events if stage == "writing notes"]
    assert written == [(progress.CHUNK, notes), (progress.CHUNK * 2, notes), (notes, notes)]
    assert ("writing media files", 2, 2) in events
    assert events[0] == ("planning", 0, notes) and events[-1] == ("saving", 0, 0)
    assert not any(stage == "writing review history" for stage, _, _ in events)  # had none


def test_the_anki_writer_reports_notes_and_compression(tmp_path: Path) -> None:
    events: list[Event] = []
    with progress.listening(_recorded(events)):
        writing.write(_package(3), tmp_path / "out.apkg")
    assert ("writing notes", 3, 3) in events
    assert events[-1] == ("compressing", 0, 0)


@contextmanager
def _terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[bytearray]:
    """Point sys.stderr at a real pseudo-terminal; the bytes drawn on it land in the result."""
    master, slave = pty.openpty()
    drawn = bytearray()
    reader = threading.Thread(target=_read_all, args=(master, drawn))
    reader.start()
    terminal = os.fdopen(slave, "w", encoding="utf-8")
    monkeypatch.setattr(sys, "stderr", terminal)
    try:
        yield drawn
    finally:
        terminal.close()
        reader.join(timeout=10)
        os.close(master)


def _read_all(fd: int, into: bytearray) -> None:
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the other end closed
            return
        if not chunk:
            return
        into.extend(chunk)


def test_the_cli_bar_shows_the_stage_and_counts_on_a_terminal(
    col: Collection, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    with _terminal(monkeypatch) as drawn, progress_bar("Importing words.csv", delay=0):
        col.import_package(_package(progress.CHUNK + 1), now=now)
    text = drawn.decode("utf-8", "replace")
    assert "Importing words.csv: writing notes 10,001/10,001" in text
    assert "100%" in text


def test_the_cli_bar_stays_silent_when_stderr_is_not_a_terminal(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with progress_bar("Importing words.csv", delay=0):
        progress.report("writing notes", 1, 1)
    assert capsys.readouterr().err == ""


def test_the_cli_bar_draws_nothing_for_work_quicker_than_its_delay(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with _terminal(monkeypatch) as drawn, progress_bar("Importing words.csv", delay=600):
        progress.report("writing notes", 1, 2)
    assert drawn == b""
