"""``tokendeck serve``: registered lazily, loopback by default, settings from --db/--now."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click
from click.testing import CliRunner

from tokendeck.cli import LAZY_COMMANDS, cli
from tokendeck.cli.serve import _settings
from tokendeck.cli.state import CliState


def test_serve_is_registered_and_documented() -> None:
    assert LAZY_COMMANDS["serve"] == "serve:serve"
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    assert "127.0.0.1" in result.output
    assert "--open" in result.output


def test_serve_settings_follow_db_and_now(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    state = CliState(db_path=str(db), now_text="2026-11-28T09:30:00+00:00")
    with click.Context(cli, obj=state):
        settings = _settings()
    assert settings.db_path == db
    assert settings.clock() == datetime(2026, 11, 28, 9, 30, tzinfo=UTC)


def test_serve_rejects_a_bad_port() -> None:
    result = CliRunner().invoke(cli, ["serve", "--port", "70000"])
    assert result.exit_code != 0
    assert "70000" in result.output
