"""Returns which assignment a command means when it is not named: the one a released bundle records, or the
one whose functions a submission defines (read as a syntax tree, never imported).

With several assignments under one grader, `grader check solution.py` must still find its own:
inside a student bundle the bundle says (`grader release` writes BUNDLE_MARKER at its root); elsewhere
the file's own functions say, when only one assignment's starter functions are all defined there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

BUNDLE_MARKER = ".grader-assignment"
"""A released bundle's record of its assignment: one line, the assignment's name."""

MARKER_MAX_BYTES = 256


def marked_assignment(paths: Iterable[Path]) -> str | None:
    """Returns the assignment named by the bundle marker in the folder of each path or above it, when they
    all agree on one; else None."""
    names = set()
    for path in paths:
        names.add(_marker_above(Path(path).resolve()))
    return names.pop() if len(names) == 1 else None


def _marker_above(path: Path) -> str | None:
    for folder in [path, *path.parents] if path.is_dir() else path.parents:
        marker = folder / BUNDLE_MARKER
        if marker.is_file() and not marker.is_symlink() and marker.stat().st_size <= MARKER_MAX_BYTES:
            name = marker.read_text(encoding="utf-8", errors="replace").strip()
            return name if name and "/" not in name and "\\" not in name and name not in (".", "..") else None
    return None


def defined_functions(path: Path) -> set[str] | None:
    """Returns the names of the functions a Python file defines at its top level (or inside a top-level if or
    try), from its syntax tree; None when it is no Python file that parses."""
    if path.suffix != ".py" or not path.is_file():
        return None
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not _nested(node, tree):
            names.add(node.name)
    return names


def _nested(node: ast.AST, tree: ast.Module) -> bool:
    """Returns whether `node` lies inside a function or class (its methods and helpers are not the API)."""
    for outer in ast.walk(tree):
        if isinstance(outer, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and outer is not node:
            if any(inner is node for inner in ast.walk(outer)):
                return True
    return False


def fitting(submission: Path, starters: dict[str, Path]) -> list[str]:
    """Returns the names of the assignments (name → starter file) whose starter's functions the submission
    all defines; every name when the submission cannot be read as Python."""
    defined = defined_functions(submission)
    if defined is None:
        return list(starters)
    fits = []
    for name, starter in starters.items():
        wanted = defined_functions(starter)
        if wanted and wanted <= defined:
            fits.append(name)
    return fits
