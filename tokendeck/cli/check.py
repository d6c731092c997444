"""``tokendeck check``: find damage in the collection and repair what is safe (Check Database)."""

from __future__ import annotations

import json

import click

from tokendeck.cli.state import state


@click.command("check")
@click.option("--no-repair", is_flag=True, help="Only report; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
def check(no_repair: bool, as_json: bool) -> None:
    """Check the collection (file, search index, cards against their history).

    What has one right answer is repaired (use --no-repair to only look); the
    rest is reported with what to do. Exits 1 when something is left unrepaired.

    \b
    Example:
      tokendeck check
    """
    col, now = state().collection(), state().now()
    report = col.check(now=now, repair=not no_repair)
    if as_json:
        findings = [
            {"problem": f.problem, "count": f.count, "repaired": f.repaired, "hint": f.hint}
            for f in report.findings
        ]
        click.echo(json.dumps({"ok": report.ok, "findings": findings}, indent=2))
    elif not report.findings:
        click.echo("The collection is sound: nothing to repair.")
    for finding in [] if as_json else report.findings:
        done = "repaired" if finding.repaired else "NOT repaired"
        click.echo(f"{finding.count:>6}  {finding.problem} ({done})")
        if finding.hint and not finding.repaired:
            click.echo(f"        {finding.hint}")
    if not report.ok:
        raise SystemExit(1)
