"""Command-line interface: a thin layer over :class:`tokendeck.collection.Collection`.

Commands live in one module per group and are loaded lazily, so that
``tokendeck next --json`` does not pay for importing the web app or the TUI.
Errors from the TokenDeck exception tree are translated here, in one place.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import click

from tokendeck.cli.state import CliState
from tokendeck.errors import TokenDeckError

#: command name -> "module:attribute" (module relative to tokendeck.cli)
LAZY_COMMANDS: dict[str, str] = {
    "study": "study:study",
    "next": "review:next_card",
    "answer": "review:answer",
    "undo": "review:undo",
    "decks": "cards:decks",
    "deck": "decks:deck",
    "move": "decks:move",
    "flag": "decks:flag",
    "custom-study": "decks:custom_study",
    "cards": "cards:cards",
    "show": "cards:show",
    "add": "cards:add",
    "edit": "cards:edit",
    "delete": "cards:delete",
    "suspend": "cards:suspend",
    "unsuspend": "cards:unsuspend",
    "bury": "cards:bury",
    "reset": "cards:reset",
    "stats": "stats:stats",
    "evaluate": "memory:evaluate_command",
    "optimize": "memory:optimize_command",
    "simulate": "memory:simulate_command",
    "serve": "serve:serve",
    "server": "server:server",
    "import": "transfer:import_command",
    "export": "transfer:export_command",
    "backup": "transfer:backup_command",
    "restore": "transfer:restore_command",
    "learn": "quiz:learn",
    "quiz": "quiz:quiz",
    "cloze": "quiz:cloze",
    "lint": "quiz:lint",
    "related": "quiz:related",
    "grade": "grade:grade",
    "check": "check:check",
    "media": "media:media",
    "login": "sync:login",
    "sync": "sync:sync",
    "logout": "sync:logout",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module only when it runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            module_name, attr = LAZY_COMMANDS[cmd_name].split(":")
            module = importlib.import_module(f"tokendeck.cli.{module_name}")
            command: click.Command = getattr(module, attr)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup)
@click.version_option(package_name="tokendeck")
@click.option(
    "--db",
    "db_path",
    envvar="TOKENDECK_DB",
    type=click.Path(dir_okay=False),
    help="Collection file (default: TOKENDECK_DB or the user data directory).",
)
@click.option(
    "--now",
    "now_text",
    metavar="ISO-8601",
    help="Pretend the current time is this (for scripting and tests).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str | None, now_text: str | None) -> None:
    """TokenDeck: spaced-repetition flashcards with FSRS scheduling.

    \b
    Start studying:   tokendeck study
    Script it:        tokendeck next --json; tokendeck answer 12 good
    """
    ctx.obj = CliState(db_path=db_path, now_text=now_text)


def main(argv: list[str] | None = None) -> Any:
    """Entry point: run the CLI, turning TokenDeck errors into ``Error: ...``."""
    try:
        return cli.main(args=argv, standalone_mode=False)
    except TokenDeckError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
