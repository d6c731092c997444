"""The PostgreSQL schema keeps the server's rules, read from the catalog (not from our DDL).

* Distribution: every per-user table can be sharded by ``user_id`` without a
  schema change (Citus): ``user_id`` is in its primary key, in every unique
  index and in every foreign key, which maps it onto the referenced table's
  ``user_id`` (or points at a reference table). docs/deploy.md distributes
  exactly these tables.
* Row-level security is on for every per-user table, with a policy on the user.
* Every schema step has a PostgreSQL form, and both backends end at the same version.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.postgres_server import ADMIN, PostgresServer
from tokendeck.collection import Collection
from tokendeck.errors import StorageError
from tokendeck.storage.migrations import MIGRATIONS, SCHEMA_VERSION
from tokendeck.storage.pg_schema import APP_ROLE, REFERENCE_TABLES

pytestmark = pytest.mark.postgres

REPO = Path(__file__).resolve().parents[1]

_CONSTRAINTS = """
SELECT c.conrelid::regclass::text, c.contype, c.conname,
       ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       c.confrelid::regclass::text,
       ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c
WHERE c.connamespace = 'public'::regnamespace AND c.contype IN ('p', 'u', 'f')
"""

_UNIQUE_INDEXES = """
SELECT i.indrelid::regclass::text, i.indexrelid::regclass::text,
       ARRAY(SELECT coalesce(a.attname, '(expression)') FROM unnest(i.indkey) k(n)
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n)
FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
WHERE i.indisunique AND t.relnamespace = 'public'::regnamespace
"""


@pytest.fixture
def catalog(postgres_server: PostgresServer, postgres_url: str) -> Iterator[psycopg.Connection]:
    """A superuser's connection to a migrated test database."""
    name = postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(postgres_server.url(name, ADMIN), autocommit=True) as conn:
        yield conn


def _tables(conn: psycopg.Connection) -> dict[str, bool]:
    """Table name -> whether row-level security is enabled."""
    rows = conn.execute(
        "SELECT relname, relrowsecurity FROM pg_class"
        " WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')"
    ).fetchall()
    return dict(rows)


def _per_user(conn: psycopg.Connection) -> list[str]:
    return sorted(t for t in _tables(conn) if t not in REFERENCE_TABLES)


def test_the_schema_has_the_tables_this_test_knows(catalog: psycopg.Connection) -> None:
    tables = set(_tables(catalog))
    assert tables >= REFERENCE_TABLES
    assert {"settings", "decks", "notes", "cards", "reviews", "attempts"} <= tables


def test_every_per_user_table_is_keyed_by_user_for_distribution(
    catalog: psycopg.Connection,
) -> None:
    problems = []
    has_primary_key = set()
    for table, kind, name, columns, target, target_columns in catalog.execute(_CONSTRAINTS):
        if table in REFERENCE_TABLES:
            if kind == "f" and target not in REFERENCE_TABLES:
                problems.append(f"reference table {table} points at per-user {target} ({name})")
            continue
        if "user_id" not in columns:
            problems.append(f"{table}.{name} ({kind}) leaves out user_id: {columns}")
            continue
        if kind == "p":
            has_primary_key.add(table)
        if kind == "f" and target not in REFERENCE_TABLES:
            mapped = dict(zip(columns, target_columns, strict=True))
            if mapped["user_id"] != "user_id":
                problems.append(f"{table}.{name} maps user_id onto {target}.{mapped['user_id']}")
    for table, index, columns in catalog.execute(_UNIQUE_INDEXES):
        if table not in REFERENCE_TABLES and "user_id" not in columns:
            problems.append(f"unique index {index} on {table} leaves out user_id: {columns}")
    missing = set(_per_user(catalog)) - has_primary_key
    problems += [f"{table} has no primary key with user_id" for table in sorted(missing)]
    assert problems == []


def test_every_per_user_table_has_row_level_security_on_the_user(
    catalog: psycopg.Connection,
) -> None:
    tables = _tables(catalog)
    policies: dict[str, list[tuple[str, str]]] = {}
    for table, using, check in catalog.execute(
        "SELECT tablename, qual, with_check FROM pg_policies WHERE schemaname = 'public'"
    ):
        policies.setdefault(table, []).append((using or "", check or ""))
    for table in _per_user(catalog):
        assert tables[table], f"{table}: row-level security is off"
        assert any(
            "user_id = tokendeck_user_id()" in using and "user_id = tokendeck_user_id()" in check
            for using, check in policies.get(table, [])
        ), f"{table}: no policy on the user"


def test_the_app_role_cannot_bypass_the_policies(catalog: psycopg.Connection) -> None:
    row = catalog.execute(
        "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", (APP_ROLE,)
    ).fetchone()
    assert row == (False, False)
    owned = catalog.execute(
        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        " AND pg_get_userbyid(relowner) = %s",
        (APP_ROLE,),
    ).fetchall()
    assert owned == []


def test_deploy_guide_distributes_exactly_the_per_user_tables(catalog: psycopg.Connection) -> None:
    guide = (REPO / "docs" / "deploy.md").read_text()
    distributed = set(re.findall(r"create_distributed_table\('(\w+)', 'user_id'", guide))
    reference = set(re.findall(r"create_reference_table\('(\w+)'\)", guide))
    assert distributed == set(_per_user(catalog))
    assert reference == set(REFERENCE_TABLES)


def test_every_schema_step_has_a_postgresql_form(catalog: psycopg.Connection) -> None:
    assert [m.version for m in MIGRATIONS if m.postgres is None] == []
    versions = [r[0] for r in catalog.execute("SELECT version FROM schema_migrations ORDER BY 1")]
    assert versions == [m.version for m in MIGRATIONS]


def test_the_app_role_cannot_migrate_an_empty_database_and_says_who_can(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.create_database(template="template0")
    try:
        with pytest.raises(
            StorageError, match=f"has no schema; this TokenDeck needs schema {SCHEMA_VERSION}"
        ):
            Collection.open(url, install_builtin=False)
        owner = url.replace(f"{APP_ROLE}@", "tokendeck_owner@")
        with Collection.open(owner, install_builtin=False) as col:
            # the owner migrated; its queries still run as the app's role, under the policies
            assert col.store.db.scalar("SELECT current_user") == APP_ROLE
        with Collection.open(url, install_builtin=False) as col:
            assert col.decks() == []
    finally:
        postgres_server.drop_database(url)
