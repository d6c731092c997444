"""The layout holds: import contracts, no import cycles, few top-level modules, the library API."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    """Run lint-imports on the package found under ``root`` with the project's contracts."""
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(root / "pyproject.toml")],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(
        ROOT / "tokendeck",
        target / "tokendeck",
        ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "models", "data"),
    )
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")
    return target


def test_the_import_contracts_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        # a format reaching for the facade
        ("formats/options.py", "import tokendeck.collection", "never import the collection facade"),
        # storage reaching up into the neutral form's layer
        ("storage/rows.py", "import tokendeck.transfer.package", "Layers run one way"),
        # SQL outside storage
        ("collection/core.py", "import sqlite3", "No SQL driver outside storage"),
    ],
)
def test_a_broken_contract_fails_the_lint(
    tmp_path: Path, module: str, line: str, contract: str
) -> None:
    project = _copy(tmp_path)
    path = project / "tokendeck" / module
    text = path.read_text()
    head, sep, rest = text.partition("from __future__ import annotations\n")
    path.write_text(head + sep + line + "  # noqa\n" + rest)
    result = _lint(project)
    assert result.returncode != 0
    assert contract in result.stdout and "BROKEN" in result.stdout


def test_no_module_of_the_product_is_in_an_import_cycle() -> None:
    """Imports inside functions and TYPE_CHECKING blocks count too (grimp sees them all)."""
    graph = grimp.build_graph("tokendeck")
    cycles = _cycles({m: graph.find_modules_directly_imported_by(m) for m in graph.modules})
    assert cycles == []


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(edges) == [["a", "b", "c"]]


def test_a_handful_of_top_level_modules() -> None:
    modules = sorted(p.name for p in (ROOT / "tokendeck").glob("*.py"))
    assert modules == [
        "__init__.py",
        "__main__.py",
        "clock.py",
        "errors.py",
        "progress.py",
        "version.py",
    ]


def test_the_library_api_is_importable_from_the_package() -> None:
    import tokendeck
    from tokendeck import Collection, Rating

    assert Collection.__name__ == "Collection" and Rating.GOOD == 3
    assert set(tokendeck.__all__) >= {"Collection", "Rating", "Answer", "TokenDeckError"}
    with pytest.raises(AttributeError):
        _ = tokendeck.NoSuchThing  # type: ignore[attr-defined]
