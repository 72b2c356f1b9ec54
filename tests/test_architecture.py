"""The engine's structure stays readable: stages as packages, imports running one way, small modules.

docs/architecture.md draws the same rules; this file is what holds the code to them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GRADER = Path(__file__).parent.parent / "grader"

LEAVES = {
    "grader", "grader.errors", "grader.text", "grader.formatting", "grader.files", "grader.results", "grader.defaults",
    "grader.equality",
}  # fmt: skip
"""Shared leaf modules: they import nothing of the grader but one another."""

MAY_IMPORT: dict[str, set[str]] = {
    "leaf": set(),
    "grader.i18n": set(),
    "grader.sandbox": set(),
    "grader.assignment": {"grader.sandbox"},
    "grader.authoring": set(),
    "grader.grading": {"grader.assignment", "grader.authoring", "grader.sandbox"},
    "grader.reports": {"grader.i18n"},
    "grader.exports": {"grader.assignment", "grader.i18n", "grader.grading", "grader.reports"},
    "grader.batch": {"grader.assignment", "grader.i18n", "grader.grading", "grader.reports", "grader.exports"},
    "grader.course": {"grader.assignment", "grader.i18n", "grader.grading", "grader.reports", "grader.exports"},
    "grader.cli": {"*"},
    "grader.__main__": {"grader.cli"},
}
"""What each part of the engine may import besides the leaves and itself. Nothing below the CLI
imports the CLI; reports never reach into grading or the sandbox (they render data, nothing more)."""

MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60
"""A screen: a function longer than this is usually two things."""


def module_name(path: Path) -> str:
    parts = path.relative_to(GRADER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(GRADER.rglob("*.py"))}


def imports_of(path: Path) -> set[str]:
    """Returns every grader module `path` imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "grader":
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                found.add(candidate if candidate in MODULES else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "grader"}
    return found & set(MODULES)


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def part_of(name: str) -> str:
    if name in LEAVES:
        return "leaf"
    parts = sorted(MAY_IMPORT, key=len, reverse=True)
    return next(part for part in parts if name == part or name.startswith(part + "."))


def test_every_module_belongs_to_a_part():
    assert all(part_of(name) for name in MODULES)


def test_no_import_cycle():
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(GRAPH[name]):
            if state.get(imported) == "open":
                cycles.append(path[path.index(imported) :] + [imported])
            elif imported not in state:
                visit(imported, [*path, imported])
        state[name] = "done"

    for name in sorted(MODULES):
        if name not in state:
            visit(name, [name])
    assert cycles == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_one_way(name):
    allowed = MAY_IMPORT[part_of(name)]
    own = part_of(name)
    wrong = sorted(
        imported
        for imported in GRAPH[name]
        if part_of(imported) not in ("leaf", own) and "*" not in allowed and part_of(imported) not in allowed
    )
    assert wrong == [], f"{name} ({own}) may import only the leaves, itself and {sorted(allowed)}"


def test_leaves_import_only_leaves():
    assert {name: sorted(GRAPH[name] - LEAVES) for name in LEAVES if GRAPH[name] - LEAVES} == {}


def test_the_worker_side_imports_only_the_protocol():
    """What runs inside the untrusted worker loads nothing of the trusted side."""
    worker_side = {"grader.sandbox.protocol", "grader.sandbox.confine"}
    assert GRAPH["grader.sandbox.inside"] <= worker_side
    assert all(GRAPH[name] <= worker_side for name in worker_side)
    assert GRAPH["grader.sandbox"] == set(), "grader/sandbox/__init__.py must stay empty: the worker imports it"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{MODULES[name]} has {lines} lines: split it by responsibility"


def test_functions_fit_on_a_screen():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {length} lines")
    assert long == []


def test_the_command_line_loads_no_heavy_library_before_a_command_runs():
    # `grader check` starts its worker first and imports the grader while the worker starts: importing
    # the command group must not pull in pytest, NumPy or matplotlib.
    import subprocess
    import sys

    code = "import sys, grader.cli; print(sorted(m for m in ('pytest', 'numpy', 'matplotlib') if m in sys.modules))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "[]"
