"""The engine's structure stays readable: stages as packages, imports running one way, small modules.

docs/architecture.md draws the same rules; this file is what holds the code to them.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

GRADER = Path(__file__).parent.parent / "grader"

LEAVES = {
    "grader", "grader.errors", "grader.text", "grader.formatting", "grader.files", "grader.results", "grader.defaults",
    "grader.equality", "grader.settings", "grader.schema", "grader.choice",
}  # fmt: skip
"""Shared leaf modules: they import nothing of the grader but one another."""

MAY_IMPORT: dict[str, set[str]] = {
    "leaf": set(),
    "grader.i18n": set(),
    "grader.sandbox.isolation": set(),
    "grader.sandbox": {"grader.sandbox.isolation"},
    "grader.assignment": {"grader.sandbox"},
    "grader.authoring": set(),
    "grader.grading": {"grader.assignment", "grader.authoring", "grader.sandbox", "grader.sandbox.isolation"},
    "grader.reports": {"grader.i18n"},
    "grader.exports": {
        "grader.assignment", "grader.i18n", "grader.grading", "grader.reports", "grader.sandbox.isolation",
    },
    "grader.batch": {
        "grader.assignment", "grader.i18n", "grader.grading", "grader.reports", "grader.exports",
        "grader.sandbox.isolation",
    },
    "grader.course": {
        "grader.assignment", "grader.i18n", "grader.grading", "grader.reports", "grader.exports",
        "grader.sandbox.isolation",
    },
    "grader.cli": {"*"},
    "grader.__main__": {"grader.cli"},
}  # fmt: skip
"""What each part of the engine may import besides the leaves and itself. Nothing below the CLI
imports the CLI; reports never reach into grading or the sandbox (they render data, nothing more).
The isolation level is a value (sandbox/isolation.py) that every stage grading submissions passes down
to the launcher, so those stages may name it; the rest of the sandbox stays grading's alone."""

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
    """What runs inside the untrusted worker (and the fork server it is forked from) loads nothing of the
    trusted side."""
    worker_side = {"grader.sandbox.protocol", "grader.sandbox.confine", "grader.sandbox.cells", "grader.sandbox.inside"}
    assert GRAPH["grader.sandbox.zygote"] <= worker_side
    assert all(GRAPH[name] <= worker_side for name in worker_side)
    assert GRAPH["grader.sandbox"] == set(), "grader/sandbox/__init__.py must stay empty: the worker imports it"


def test_the_notebook_driver_needs_nothing_but_the_standard_library():
    """grader.sandbox.cells runs a notebook's cells in the worker, whose Python may hold only NumPy and pytest."""
    tree = ast.parse(MODULES["grader.sandbox.cells"].read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert {name.split(".")[0] for name in imported} - sys.stdlib_module_names == {"grader"}
    assert GRAPH["grader.sandbox.cells"] <= {"grader.sandbox.protocol"}


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

    heavy = "('pytest', 'numpy', 'matplotlib', 'nbformat')"  # nbformat: 0.2 s, only where a notebook is read
    code = f"import sys, grader.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    printed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert printed.strip() == "[]"


ENVIRONMENT_WRITERS = {
    "grader.grading.session": "PYTEST_DISABLE_PLUGIN_AUTOLOAD, for pytest itself; restored when the session ends",
    "grader.sandbox.zygote": "a freshly forked worker swaps the environment it inherited for its scrubbed one",
}
"""The only modules that change os.environ, and why. Values flow as parameters: the grader never writes an
environment variable to talk to itself (the isolation level once went from the CLI to the launcher that way)."""

ENVIRON_METHODS = {"update", "clear", "pop", "popitem", "setdefault", "__setitem__", "__delitem__"}


def _is_environ(node: ast.expr) -> bool:
    """Returns whether `node` is os.environ (or os.environb, or an `environ` imported from os)."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("environ", "environb") and isinstance(node.value, ast.Name) and node.value.id == "os"
    return isinstance(node, ast.Name) and node.id in ("environ", "environb")


def environment_writes(source: str) -> list[int]:
    """Returns the lines of `source` that change the process's environment."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.Delete | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(_is_environ(t.value if isinstance(t, ast.Subscript) else t) for t in targets):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner, name = node.func.value, node.func.attr
            if (_is_environ(owner) and name in ENVIRON_METHODS) or (
                isinstance(owner, ast.Name) and owner.id == "os" and name in ("putenv", "unsetenv")
            ):
                lines.append(node.lineno)
    return sorted(lines)


def test_the_environment_check_sees_every_way_to_write_it():
    source = (
        "import os\nfrom os import environ\n"
        "os.environ['A'] = '1'\ndel os.environ['A']\nos.environ['A'] += 'x'\nos.environ.setdefault('A', '1')\n"
        "os.environ.update(A='1')\nos.environ.pop('A')\nos.putenv('A', '1')\nos.unsetenv('A')\nenviron['A'] = '1'\n"
        "os.environ = {}\nvalue = os.environ.get('A')\nvalue = os.environ['A']\n"
    )
    assert environment_writes(source) == list(range(3, 13))


def test_no_module_writes_the_environment_to_talk_to_itself():
    writers = {name for name, path in MODULES.items() if environment_writes(path.read_text(encoding="utf-8"))}
    assert writers - set(ENVIRONMENT_WRITERS) == set(), "pass the value as a parameter instead"
    assert set(ENVIRONMENT_WRITERS) - writers == set(), "no longer writes the environment: remove it from the list"


def test_grader_isolation_is_read_in_one_place_and_never_written():
    readers = {name for name, path in MODULES.items() if _uses_as_key(path, "GRADER_ISOLATION")}
    assert readers == {"grader.sandbox.isolation"}, "call requested_level() and pass on the Isolation it leads to"


def _uses_as_key(path: Path, variable: str) -> bool:
    """Returns whether `path` has `variable` as a string of its own (a key), not only inside a message."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, ast.Constant) and node.value == variable for node in ast.walk(tree))
