"""The CLI over PostgreSQL: ``--db postgresql://...`` opens the local user's collection."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tokendeck.cli import cli
from tokendeck.errors import NotFoundError

pytestmark = pytest.mark.postgres

AT = ["--now", "2026-11-27T15:00:00Z"]


def test_add_next_answer_and_list_decks_through_the_cli(postgres_url: str) -> None:
    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", postgres_url, *AT, *args])
        assert result.exit_code == 0, result.output
        return result.output

    run("add", "--deck", "Spanish", "--front", "el perro", "--back", "the dog")
    shown = json.loads(run("next", "Spanish", "--json"))["card"]
    assert shown["front"] == "el perro"
    run("answer", str(shown["id"]), "good")
    decks = run("decks")
    assert "Spanish" in decks and "LLM Vocabulary" in decks  # installed on first open
    bad = CliRunner().invoke(cli, ["--db", postgres_url, *AT, "answer", "999", "good"])
    assert isinstance(bad.exception, NotFoundError)  # main() prints it as "Error: ..."
