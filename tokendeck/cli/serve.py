"""``tokendeck serve``: the local web app over the same collection the CLI uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tokendeck.cli.state import state
from tokendeck.errors import ValidationError

if TYPE_CHECKING:
    from tokendeck.web.settings import WebSettings


@click.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to bind (loopback by default)."
)
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(1, 65535),
    help="Port to listen on.",
)
@click.option(
    "--open", "open_browser", is_flag=True, help="Open the app in the default web browser."
)
def serve(host: str, port: int, open_browser: bool) -> None:
    """Start the web app: study, browse, import/export and statistics in the browser.

    \b
    tokendeck serve              # http://127.0.0.1:8000
    tokendeck serve --open       # and open it in the browser
    API documentation is at /docs. Only this machine can connect: the
    server has no accounts, so another --host than a loopback address is refused.
    """
    if not is_loopback(host):
        raise ValidationError(
            f"--host {host} would let anyone who can reach this machine read and change "
            "your collection, and `tokendeck serve` has no accounts or passwords",
            hint="keep the default 127.0.0.1 and reach it from another device through an SSH "
            "tunnel (ssh -L 8000:127.0.0.1:8000 this-machine); a shared server needs the "
            "multi-user server with accounts (docs/web.md, 'Serving other people')",
        )
    import uvicorn

    from tokendeck.web.app import create_app

    app = create_app(_settings(host))
    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
    click.echo(f"TokenDeck at {url} (API docs at {url}docs). Press Ctrl+C to stop.")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address or name (only this machine can connect)."""
    import ipaddress

    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _settings(host: str = "127.0.0.1") -> WebSettings:
    cli = state()
    fixed: datetime | None = cli.now() if cli.now_text else None
    from dataclasses import replace

    from tokendeck.web.settings import WebSettings

    settings = WebSettings(db_path=Path(cli.db_path) if cli.db_path else None)
    # The bound address is a name the browser may use too (127.0.0.2, say).
    hosts = settings.allowed_hosts or ()
    if host.strip("[]").lower() not in hosts:
        settings = replace(settings, allowed_hosts=(*hosts, host.strip("[]").lower()))
    # --now pins the clock for the whole server (demos and tests); otherwise the wall clock.
    if fixed is not None:
        settings = replace(settings, clock=lambda: fixed)
    # The server loads the embedding model before it answers, not during a request.
    return replace(settings, preload_model=True)
