"""``media check``: the media folder's missing and unused files, as Anki's Check Media."""

from __future__ import annotations

from dataclasses import asdict

import click

from tokendeck.cli.output import echo_json
from tokendeck.cli.state import state


@click.group("media")
def media() -> None:
    """The collection's media folder: the pictures and sounds cards use."""


@media.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check(as_json: bool) -> None:
    """List files notes use that are missing, and files nothing uses.

    \b
    Examples:
      tokendeck media check
      tokendeck media check --json
    """
    found = state().collection().check_media()
    if as_json:
        data = asdict(found)
        data["missing"] = [{"name": n, "note_ids": ids} for n, ids in found.missing.items()]
        echo_json(data)
        return
    click.echo(f"Media folder: {found.folder} ({found.files} file(s); notes use {found.used})")
    click.echo(f"Missing (used by notes, not in the folder): {len(found.missing)}")
    for name, note_ids in found.missing.items():
        notes = ", ".join(map(str, note_ids[:5])) + (" ..." if len(note_ids) > 5 else "")
        click.echo(f"  {name}  (note {notes})")
    click.echo(f"Unused (in the folder, used by no note): {len(found.unused)}")
    for name in found.unused:
        click.echo(f"  {name}")
    if not found.missing and not found.unused:
        click.echo("Nothing to fix.")
