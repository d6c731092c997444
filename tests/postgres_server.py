"""A throwaway PostgreSQL server for one test session: no mocks, no system service.

``PostgresServer.start()`` runs Debian's ``initdb`` in a temporary folder as an
unprivileged user (the tests may run as root, which PostgreSQL refuses: then
as ``postgres``, or ``nobody``), starts it on 127.0.0.1 on a free port, and
``stop()`` stops it and removes the folder. The cluster has three roles:

* ``tokendeck_admin``, the bootstrap superuser (creates and drops databases);
* ``tokendeck_owner``, who owns each test database and runs the migrations;
* ``tokendeck_app``, the role the app logs in as: not an owner, not a superuser.

Tests share one migrated database, emptied before each test (``TRUNCATE ...
RESTART IDENTITY``: 60 ms where cloning a database took 800 ms on a busy
machine), so ids start at 1 as in a new SQLite file. A test that needs a
database of its own (an empty one to migrate, say) clones the template. scripts/setup-postgres.sh
installs the server where it is missing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.processes import free_port

#: Empties the shared database: rows by cascade from users, sequences back to 1.
_EMPTY = b"""
BEGIN;
DELETE FROM users;
DELETE FROM meta;
DELETE FROM login_attempts;
SELECT setval(c.oid, 1, false) FROM pg_class c WHERE c.relkind = 'S';
COMMIT;
"""

ADMIN = "tokendeck_admin"
OWNER = "tokendeck_owner"
APP = "tokendeck_app"
TEMPLATE = "tokendeck_template"


def binaries() -> Path:
    """The folder of ``initdb`` and ``pg_ctl`` (Debian keeps them off the PATH)."""
    configured = os.environ.get("TOKENDECK_PG_BIN")
    if configured:
        return Path(configured)
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parent.parent.name),
    )
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).resolve().parent
    raise RuntimeError(
        "PostgreSQL is not installed: run scripts/setup-postgres.sh "
        "(or set TOKENDECK_PG_BIN to the folder of initdb)"
    )


def _unprivileged_user() -> str | None:
    """Who runs the server when we are root (None: ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    raise RuntimeError("running as root, and neither user postgres nor nobody exists")


@dataclass
class PostgresServer:
    """A running test cluster."""

    root: Path
    port: int
    bindir: Path
    runner: str | None
    counter: int = 0
    #: The superuser's connection to the shared test database (see :meth:`empty_database`).
    shared: Any = None

    # -- life ------------------------------------------------------------------------------
    @classmethod
    def start(cls) -> PostgresServer:
        """initdb, start, and create the roles and the migrated template database."""
        bindir = binaries()
        runner = _unprivileged_user()
        root = Path(tempfile.mkdtemp(prefix="tokendeck-pg-"))
        if runner is not None:
            record = pwd.getpwnam(runner)
            os.chown(root, record.pw_uid, record.pw_gid)
        server = cls(root, free_port(), bindir, runner)
        try:
            server._run(
                "initdb",
                "-D",
                str(root / "data"),
                "-U",
                ADMIN,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={server.port}",
                    f"-c unix_socket_directories={root}",
                    "-c fsync=off",  # a test server: durability is SQLite's tests' business
                    "-c synchronous_commit=off",
                    "-c full_page_writes=off",
                    "-c max_connections=200",
                ]
            )
            server._run(
                "pg_ctl",
                "-D",
                str(root / "data"),
                "-l",
                str(root / "server.log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                "start",
            )
            server._prepare()
        except BaseException:
            server.stop()
            raise
        return server

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder."""
        if self.shared is not None:
            self.shared.close()
        if (self.root / "data" / "postmaster.pid").exists():
            with contextlib.suppress(subprocess.CalledProcessError):
                self._run("pg_ctl", "-D", str(self.root / "data"), "-m", "fast", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bindir / program), *args]
        if self.runner is not None:
            command = ["runuser", "-u", self.runner, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{program} failed: {done.stderr or done.stdout}\n{tail}")

    # -- roles and databases -------------------------------------------------------------------
    def url(self, database: str, user: str = APP) -> str:
        """A connection URL for ``user`` on ``database``."""
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, *statements: str, database: str = "postgres") -> None:
        """Run statements as the superuser (outside a transaction)."""
        import psycopg

        with psycopg.connect(self.url(database, ADMIN), autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement.encode())

    def _prepare(self) -> None:
        from tokendeck.storage.postgres import open_postgres

        self.admin(
            f"CREATE ROLE {OWNER} LOGIN CREATEROLE",
            f"CREATE DATABASE {TEMPLATE} OWNER {OWNER}",
        )
        self.admin(f"ALTER SCHEMA public OWNER TO {OWNER}", database=TEMPLATE)
        open_postgres(self.url(TEMPLATE, OWNER)).close()  # migrates; creates the app's role
        self.admin(f"ALTER ROLE {APP} LOGIN")

    def empty_database(self) -> str:
        """The shared test database with every row removed; returns the app's URL.

        Rows go by cascade from ``users`` (every per-user table references it)
        and the id sequences restart, so the next test's ids start at 1.
        """
        import psycopg

        name = "tokendeck_test"
        if self.shared is None:
            self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} OWNER {OWNER}")
            self.shared = psycopg.connect(self.url(name, ADMIN), autocommit=True)
            self.shared.execute("SET lock_timeout = '20s'")
        else:
            self.shared.execute(_EMPTY)
        return self.url(name)

    def create_database(self, template: str = TEMPLATE) -> str:
        """A database of the test's own (a migrated clone, or empty from ``template0``).

        Returns the app's URL; the owner's is the same with ``tokendeck_owner``.
        """
        self.counter += 1
        name = f"tokendeck_test_{self.counter}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {template} OWNER {OWNER}")
        self.admin(f"ALTER SCHEMA public OWNER TO {OWNER}", database=name)
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database` (its connections closed first)."""
        name = url.rsplit("/", 1)[1]
        self.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
