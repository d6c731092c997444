"""``tokendeck server``: the multi-user web app and API; ``tokendeck server init`` sets it up.

``tokendeck serve`` stays the single-user app over the local file; this is
the server several people log in to, over one database named by
``--database`` or ``TOKENDECK_DATABASE_URL`` (``postgresql://...``, or
``sqlite:///FILE`` for a small server on one machine).
"""

from __future__ import annotations

import os

import click

from tokendeck.cli.state import state

DATABASE_ENV = "TOKENDECK_DATABASE_URL"
PASSWORD_ENV = "TOKENDECK_PASSWORD"
#: How the CLI tells worker processes to pin the clock (``--now``, for demos and tests).
NOW_ENV = "TOKENDECK_SERVER_NOW"

_database = click.option(
    "--database",
    "database",
    envvar=DATABASE_ENV,
    metavar="URL",
    help=f"The server's database: postgresql://USER@HOST/NAME or sqlite:///FILE ({DATABASE_ENV}).",
)


@click.group(invoke_without_command=True)
@_database
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (put HTTPS in front)."
)
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port."
)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (uvicorn); they share nothing but the database.",
)
@click.pass_context
def server(ctx: click.Context, database: str | None, host: str, port: int, workers: int) -> None:
    """Run the multi-user server: accounts, classes and shared decks, in the browser and API.

    \b
    tokendeck server init --database postgresql://tokendeck@localhost/tokendeck --admin ada
    tokendeck server --database postgresql://tokendeck@localhost/tokendeck --workers 2
    Log in at http://127.0.0.1:8000/login; API documentation is at /docs.
    """
    if ctx.invoked_subcommand is not None:
        return
    url = _require_database(database)
    from tokendeck.server import Server

    with Server.open(url) as opened:  # migrate once here, not in every worker at once
        if not opened.initialised:
            raise click.ClickException(
                f"the database has no admin yet; run `tokendeck server init --database "
                f"{_shown(url)} --admin NAME` first"
            )
    import uvicorn

    os.environ[DATABASE_ENV] = url
    cli = state()
    if cli.now_text:
        os.environ[NOW_ENV] = cli.now_text
    shown_host = "localhost" if host in ("127.0.0.1", "::1") else host
    click.echo(
        f"TokenDeck server at http://{shown_host}:{port}/ ({workers} "
        f"{'worker' if workers == 1 else 'workers'}, database {_shown(url)}). Ctrl+C stops it."
    )
    uvicorn.run(
        "tokendeck.web.server_app:create_server_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        proxy_headers=True,
    )


@server.command("init")
@_database
@click.option("--admin", "admin", required=True, metavar="NAME", help="The first admin's name.")
@click.option(
    "--registration",
    type=click.Choice(["open", "invite", "closed"]),
    default="invite",
    show_default=True,
    help="Who may create an account: anyone, only with an invitation, or nobody.",
)
def init(database: str | None, admin: str, registration: str) -> None:
    """Create the server's schema and its first admin (password: TOKENDECK_PASSWORD or asked).

    \b
    TOKENDECK_PASSWORD=... tokendeck server init --database sqlite:///server.db --admin ada
    """
    url = _require_database(database)
    password = os.environ.get(PASSWORD_ENV) or click.prompt(
        f"Password for {admin}", hide_input=True, confirmation_prompt=True
    )
    from tokendeck.domain.accounts import Registration
    from tokendeck.server import Server

    with Server.open(url) as opened:
        account = opened.initialise(
            admin, password, now=state().now(), registration=Registration.parse(registration)
        )
    click.echo(
        f"Server ready: admin {account.name}, registration {registration}. "
        f"Start it with: tokendeck server --database {_shown(url)}"
    )


def _require_database(database: str | None) -> str:
    if not database:
        raise click.UsageError(f"name the database with --database URL or {DATABASE_ENV}")
    return database


def _shown(url: str) -> str:
    """The URL without a password (it may be printed or logged)."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return urlunsplit(parts._replace(netloc=netloc))
    return url
