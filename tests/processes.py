"""Test helpers for real processes on this machine: a free loopback port, a running server."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx

#: The tokendeck command of the environment running the tests.
TOKENDECK = str(Path(sys.executable).parent / "tokendeck")


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def tokendeck_server(database_url: str, env: Mapping[str, str]) -> Iterator[str]:
    """``tokendeck server --workers 2`` over ``database_url`` on a free port; its base URL.

    Waits (at most a minute) until the login page answers; stopped when the block ends.
    """
    port = free_port()
    process = subprocess.Popen(
        [TOKENDECK, "server", "--database", database_url, "--port", str(port), "--workers", "2"],
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(process.stderr.read().decode() if process.stderr else "")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def local_serve(path: Path) -> Iterator[int]:
    """``tokendeck serve`` (the single-user app) over the collection at ``path``; its port.

    Waits (at most a minute) until the API answers; stopped when the block ends.
    """
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "tokendeck", "--db", str(path), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_api(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_for_api(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60  # readiness, not a timing assertion
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/decks", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("the server did not come up")
