"""The convergence property and the engine's cases with the server's data on PostgreSQL."""

from __future__ import annotations

import pytest

from tests.postgres_server import PostgresServer
from tests.sync.test_sync_convergence import Devices, run_machine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def test_devices_converge_with_the_server_on_postgresql(postgres_server: PostgresServer) -> None:
    run_machine(Devices, examples=25, steps=50, server=postgres_server.empty_database)
