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
