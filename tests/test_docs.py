"""The docs say what the code does: every Collection member and every command, by current name.

As sqlite-utils and datasette do, the reference documentation is checked against
the code: docs/ARCHITECTURE.md lists every public member of ``Collection`` with
exactly its parameters, and the README mentions every CLI command.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import click

from tokendeck.cli import cli
from tokendeck.collection import Collection

ROOT = Path(__file__).resolve().parent.parent
ARCHITECTURE = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
README = (ROOT / "README.md").read_text()
_CALL = re.compile(r"^(?:col|Collection)\.(\w+)\((.*?)\)\s*(?:->|#|$)", re.M)
_MEMBER = re.compile(r"(?:col|Collection)\.(\w+)")


def _api_section() -> str:
    return ARCHITECTURE.split("## Collection API", 1)[1]


def _public_members() -> set[str]:
    return {name for name in dir(Collection) if not name.startswith("_")}


def _parameters(name: str) -> list[str]:
    signature = inspect.signature(getattr(Collection, name))
    names = []
    for p in signature.parameters.values():
        if p.name == "self":
            continue
        names.append(f"**{p.name}" if p.kind == p.VAR_KEYWORD else p.name)
    return names


def _documented_parameters(text: str) -> list[str]:
    names = []
    for part in (p.strip() for p in text.split(",")):
        if part in ("", "*"):
            continue
        names.append(part.split("=", 1)[0].strip())
    return names


def test_every_public_collection_member_is_documented() -> None:
    documented = set(_MEMBER.findall(_api_section()))
    assert sorted(_public_members() - documented) == []


def test_every_documented_member_exists() -> None:
    documented = set(_MEMBER.findall(_api_section()))
    assert sorted(documented - _public_members()) == []


def test_documented_signatures_are_the_current_ones() -> None:
    calls = _CALL.findall(_api_section())
    assert len(calls) > 60
    wrong = {
        name: (params, _parameters(name))
        for name, params in calls
        if _documented_parameters(params) != _parameters(name)
    }
    assert wrong == {}


def test_the_architecture_tree_names_every_package() -> None:
    packages = sorted(
        p.name for p in (ROOT / "tokendeck").iterdir() if (p / "__init__.py").exists()
    )
    tree = ARCHITECTURE.split("## The tree", 1)[1].split("##", 1)[0]
    assert [p for p in packages if f"  {p}/" not in tree] == []


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    context = click.Context(group)
    found = []
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        found.append(f"{prefix}{name}")
        if isinstance(command, click.Group):
            found += _commands(command, f"{prefix}{name} ")
    return found


def test_every_cli_command_appears_in_the_readme() -> None:
    commands = _commands(cli)
    assert len(commands) > 25
    missing = [c for c in commands if f"tokendeck {c}" not in README and f"`{c}`" not in README]
    assert missing == []


# -- the server facade -------------------------------------------------------------------
_SERVER_CALL = re.compile(
    r"^(Server|server|server\.accounts|server\.classes|server\.sharing)\.(\w+)\((.*?)\)"
    r"\s*(?:->|#|$)",
    re.M,
)
_SERVER_MEMBER = re.compile(r"(?:^|[\s;])(server(?:\.accounts|\.classes|\.sharing)?|Server)\.(\w+)")


def _server_parts() -> dict[str, type]:
    from tokendeck.server import Server
    from tokendeck.server.accounts import Accounts
    from tokendeck.server.classes import Classes
    from tokendeck.server.sharing import Sharing

    return {
        "Server": Server,
        "server": Server,
        "server.accounts": Accounts,
        "server.classes": Classes,
        "server.sharing": Sharing,
    }


def _server_section() -> str:
    return ARCHITECTURE.split("## Server API", 1)[1]


def _members(cls: type, *, attributes: bool) -> set[str]:
    """Public methods and properties (and, for the facade itself, what __init__ sets)."""
    found = {n for n in dir(cls) if not n.startswith("_")}
    if attributes:
        source = inspect.getsource(cls.__init__)  # type: ignore[misc]
        found |= set(re.findall(r"self\.([a-z]\w*) =", source))
    return found


def test_every_server_member_is_documented_and_exists() -> None:
    parts = _server_parts()
    documented: dict[type, set[str]] = {}
    for owner, name in _SERVER_MEMBER.findall(_server_section()):
        documented.setdefault(parts[owner], set()).add(name)
    for key in ("server", "server.accounts", "server.classes", "server.sharing"):
        cls = parts[key]
        names = documented.get(cls, set())
        public = _members(cls, attributes=key == "server")
        assert sorted(public - names) == [], cls.__name__
        assert sorted(names - public) == [], cls.__name__


def test_documented_server_signatures_are_the_current_ones() -> None:
    parts = _server_parts()
    calls = _SERVER_CALL.findall(_server_section())
    assert len(calls) > 50
    wrong = {}
    for owner, name, params in calls:
        signature = inspect.signature(getattr(parts[owner], name))
        actual = [p.name for p in signature.parameters.values() if p.name not in ("self", "cls")]
        if _documented_parameters(params) != actual:
            wrong[f"{owner}.{name}"] = (params, actual)
    assert wrong == {}
