"""`tokendeck study`: argument errors in process, and the real thing in a pseudo-terminal."""

from __future__ import annotations

import fcntl
import os
import select
import struct
import sys
import termios
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tokendeck.cli import main
from tokendeck.collection import Collection
from tokendeck.domain.cards import Rating
from tokendeck.tui.app import LIGHT_THEME

FIXED = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)


def run_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    try:
        main(["--db", str(tmp_path / "cli.db"), "--now", FIXED.isoformat(), *args])
    except SystemExit as exc:
        code = int(exc.code or 0)
    else:
        code = 0
    return code, capsys.readouterr().err


def test_study_with_an_unknown_deck_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli(tmp_path, capsys, "study", "Klingon")
    assert code == 1
    assert err.startswith("Error: no deck 'Klingon'") and "LLM Vocabulary" in err


def test_study_with_an_unknown_theme_lists_the_themes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli(tmp_path, capsys, "study", "--theme", "neon")
    assert code == 1
    assert err.startswith("Error: no theme 'neon'") and LIGHT_THEME in err


def test_study_without_a_terminal_says_how_to_script_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run_cli(tmp_path, capsys, "study", "LLM Vocabulary")
    assert code == 1
    assert "needs an interactive terminal" in err and "tokendeck next" in err


@pytest.mark.slow
def test_study_runs_in_a_real_terminal_and_prints_the_summary(tmp_path: Path) -> None:
    """`tokendeck study` in a pseudo-terminal: real keystrokes, summary on exit."""
    command = ["--db", str(tmp_path / "pty.db"), "--now", FIXED.isoformat(), "study"]
    terminal = PseudoTerminal([sys.executable, "-m", "tokendeck", *command, "LLM Vocabulary"])
    try:
        assert terminal.read_until(b"Show answer"), terminal.output[-500:]
        terminal.send(b" ")
        assert terminal.read_until(b"Again")
        terminal.send(b"3")
        assert terminal.read_until(b"Good: next in")
        terminal.send(b"q")
        assert terminal.read_until(b"Ratings:"), terminal.output[-500:]
    finally:
        code = terminal.close()
    assert code == 0
    assert b"Studied 1 card (1 answer) in 0s." in terminal.output
    with Collection.open(tmp_path / "pty.db", now=FIXED) as col:
        assert [r.rating for r in col.reviews()] == [Rating.GOOD]


class PseudoTerminal:
    """A child process on an 80x24 pty, read until a marker appears (or a generous deadline)."""

    def __init__(self, argv: list[str]) -> None:
        import pty

        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program, never return into pytest
            try:
                os.environ["TERM"] = "xterm-256color"
                os.execv(argv[0], argv)
            finally:
                os._exit(127)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.output = b""

    def read_until(self, marker: bytes, deadline_s: float = 120.0) -> bool:
        # The deadline only bounds a hang; the test never depends on how fast output comes.
        end = time.monotonic() + deadline_s
        while marker not in self.output and time.monotonic() < end:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:  # the child closed the terminal
                    return marker in self.output
                self.output += chunk
        return marker in self.output

    def send(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def close(self) -> int:
        self.read_until(b"\x00", deadline_s=2.0)  # drain what is left
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)
