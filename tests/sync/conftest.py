"""Sync fixtures: a real ``tokendeck server`` in a subprocess, on SQLite or PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port

PASSWORD = "correct horse battery"
ADMIN_PASSWORD = "a long admin password"
TOKENDECK = str(Path(sys.executable).parent / "tokendeck")


@dataclass
class LiveServer:
    """``tokendeck server`` over one database; it can be killed and started again."""

    database: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def init(self) -> None:
        env = {**os.environ, "TOKENDECK_PASSWORD": ADMIN_PASSWORD}
        subprocess.run(
            [TOKENDECK, "server", "init", "--database", self.database, "--admin", "root1",
             "--registration", "open"],
            env=env, check=True, capture_output=True,
        )  # fmt: skip

    def start(self, workers: int = 1) -> None:
        self.process = subprocess.Popen(
            [TOKENDECK, "server", "--database", self.database, "--port", str(self.port),
             "--workers", str(workers)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/login", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                err = self.process.stderr.read().decode() if self.process.stderr else ""
                raise AssertionError(f"the server did not start: {err}")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL the server and its workers (no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def register(self, name: str, password: str = PASSWORD) -> None:
        answer = httpx.post(
            f"{self.url}/api/v1/auth/register", json={"username": name, "password": password}
        )
        assert answer.status_code == 201, answer.text


@pytest.fixture
def live_database(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A fresh server database on the test's backend."""
    if backend == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return f"sqlite:///{tmp_path / 'server.db'}"


@pytest.fixture
def live_server(live_database: str) -> Iterator[LiveServer]:
    """An initialised, running server with open registration and the user "ada"."""
    server = LiveServer(live_database)
    server.init()
    server.start()
    server.register("ada")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Token files go to the test's own folder."""
    monkeypatch.setenv("TOKENDECK_CONFIG_DIR", str(tmp_path / "config"))
