"""``tokendeck serve``: the local web app over the same collection the CLI uses."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tokendeck.cli.state import state

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
    API documentation is at /docs.
    """
    import uvicorn

    from tokendeck.web.app import create_app

    app = create_app(_settings())
    url = f"http://{'localhost' if host in ('127.0.0.1', '::1') else host}:{port}/"
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(
            f"Warning: serving on {host}; anyone who can reach it can use your collection.",
            err=True,
        )
    click.echo(f"TokenDeck at {url} (API docs at {url}docs). Press Ctrl+C to stop.")
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _settings() -> WebSettings:
    cli = state()
    fixed: datetime | None = cli.now() if cli.now_text else None
    from tokendeck.web.settings import WebSettings

    # --now pins the clock for the whole server (demos and tests); otherwise the wall clock.
    db_path = Path(cli.db_path) if cli.db_path else None
    if fixed is not None:
        return WebSettings(db_path=db_path, clock=lambda: fixed, preload_model=True)
    return WebSettings(db_path=db_path, preload_model=True)
