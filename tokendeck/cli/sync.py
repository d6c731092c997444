"""``tokendeck login``, ``sync`` and ``logout``: this collection and a TokenDeck server."""

from __future__ import annotations

import json
import os

import click

from tokendeck.cli.state import state

PASSWORD_ENV = "TOKENDECK_PASSWORD"


@click.command("login")
@click.argument("url")
@click.option("--user", "user", required=True, help="Your account's name on the server.")
def login(url: str, user: str) -> None:
    """Log this collection in to the TokenDeck server at URL.

    The password comes from TOKENDECK_PASSWORD, else it is asked for. The
    server hands out a personal API token, which is kept for this collection
    in a file only you can read (mode 0600); the password is not kept.

    \b
    Example:
      tokendeck login https://cards.example.org --user ada
    """
    password = os.environ.get(PASSWORD_ENV) or click.prompt(
        f"Password for {user} at {url}", hide_input=True
    )
    col = state().collection()
    status = col.login(url, user, password, now=state().now())
    click.echo(f"Logged in to {status.server} as {status.user}. Run `tokendeck sync` to sync.")


@click.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print what was sent and received as JSON.")
def sync(as_json: bool) -> None:
    """Sync this collection with its server: send its changes, receive everyone else's.

    The first sync of a collection uploads it with its whole history; on a new
    device it downloads the collection. Answers made anywhere all count, and a
    sync that was interrupted goes on where it stopped. Exits 0 when both sides
    hold the same data.

    \b
    Example:
      tokendeck sync
    """
    col = state().collection()
    report = col.sync(now=state().now())
    status = col.sync_status()
    if as_json:
        click.echo(
            json.dumps(
                {
                    "server": status.server,
                    "pushed": report.pushed,
                    "pulled": report.pulled,
                    "bytes_sent": report.bytes_sent,
                    "bytes_received": report.bytes_received,
                    "replayed": report.replayed,
                    "seconds": round(report.seconds, 3),
                },
                indent=2,
            )
        )
        return
    sent = sum(report.pushed.values())
    received = sum(report.pulled.values())
    click.echo(
        f"Synced with {status.server}: sent {sent} change{'s' * (sent != 1)}, received "
        f"{received} ({report.bytes_sent + report.bytes_received:,} bytes, "
        f"{report.seconds:.2f} s)."
    )


@click.command("logout")
def logout() -> None:
    """Forget this collection's token (and revoke it on the server, if it can be reached).

    The collection itself is untouched; log in again to sync it.
    """
    col = state().collection()
    if col.logout():
        click.echo("Logged out: the token is revoked and forgotten.")
    else:
        click.echo("This collection was not logged in.")
