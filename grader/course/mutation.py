"""Returns mutants of the functions students write: one small change each to the reference's syntax tree.

An operator finds the places in a function where it applies (a site) and the node to put there; the
mutant's source is the reference's text with only that node's text replaced, so its diff against the
reference is the change and nothing else. Every mutant is checked by parsing it again: its tree must be
the reference's tree with exactly that node replaced (parentheses are added where precedence needs
them), so what is graded is what the description says.

Operators: arithmetic operators swapped, signs flipped, number constants nudged, off-by-one in ranges
and indexes, comparisons and boolean operators swapped, abs added or a one-argument call removed,
arguments and tuple items swapped, keyword arguments dropped, an earlier value returned, a statement
removed.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from grader.course import operators
from grader.course.operators import Site
from grader.grading.models import byte_offset as _offset
from grader.grading.models import top_functions as _functions


@dataclass(frozen=True)
class Mutant:
    """One changed copy of the reference: what changed, where, and its whole source."""

    id: str
    """Stable while the function's text stays the same: "function:operator:hash", or a named mistake's id."""
    function: str
    """The reference function the change is in."""
    operator: str
    """The kind of change, e.g. "arithmetic", or "named mistake" for one the author wrote."""
    description: str
    """The change in one line, e.g. "`a - b` → `a + b`"."""
    source: str
    """The whole mutated module, as a submission file."""
    mistake: str | None = None
    """For a mutant the author wrote: the id of the named mistake it makes."""


def student_functions(reference: str, starter: str) -> tuple[str, ...]:
    """Returns the reference's top-level functions that the starter leaves to students, in the reference's order.

    A function is left to students when the starter defines it with a body that raises NotImplementedError.
    """
    stubs = {node.name for node in _functions(ast.parse(starter)) if _raises_not_implemented(node)}
    return tuple(node.name for node in _functions(ast.parse(reference)) if node.name in stubs)


def reaching(reference: str, function: str) -> frozenset[str]:
    """Returns the top-level functions whose call may run `function`: itself and, transitively, those naming it."""
    names = {
        node.name: {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for node in _functions(ast.parse(reference))
    }
    found = {function}
    while True:
        more = {name for name, used in names.items() if used & found} - found
        if not more:
            return frozenset(found)
        found |= more


def mutants_of(reference: str, functions: Iterable[str]) -> list[Mutant]:
    """Returns every distinct mutant of `functions` in the reference source, in source order per function."""
    tree = ast.parse(reference)
    by_name = {node.name: node for node in _functions(tree)}
    found: dict[str, Mutant] = {}
    for name in functions:
        node = by_name[name]
        for site in operators.sites(node, reference):
            source = _applied(reference, tree, site)
            if source is None or source == reference:
                continue
            text = _function_text(source, name)
            digest = hashlib.sha256(f"{site.operator}\0{text}".encode()).hexdigest()[:8]
            mutant = Mutant(f"{name}:{site.operator}:{digest}", name, site.operator, site.description, source)
            if all(other.source != source for other in found.values()):
                found.setdefault(mutant.id, mutant)
    return list(found.values())


def unified_diff(reference: str, mutant: str, file_name: str) -> str:
    """Returns the unified diff from the reference to the mutant, with three lines of context."""
    lines = difflib.unified_diff(
        reference.splitlines(keepends=True),
        mutant.splitlines(keepends=True),
        fromfile=f"reference/{file_name}",
        tofile=f"mutant/{file_name}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


# -- splicing a site into the source text ---------------------------------------------------------------


def _applied(reference: str, tree: ast.Module, site: Site) -> str | None:
    """Returns the reference with the site's change made in its text, or None if no text gives its tree."""
    expected = _dump_with(tree, site)
    for text in site.texts(reference):
        start = _offset(reference, site.node.lineno, site.node.col_offset)
        end = _offset(reference, site.node.end_lineno or site.node.lineno, site.node.end_col_offset or 0)
        encoded = reference.encode()
        source = (encoded[:start] + text.encode() + encoded[end:]).decode()
        try:
            if ast.dump(ast.parse(source)) == expected:
                return source
        except SyntaxError:
            continue
    return None


def _dump_with(tree: ast.Module, site: Site) -> str:
    """Returns ast.dump of the tree with the site's node replaced, leaving the tree as it was."""
    with operators.replaced(tree, site.node, site.replacement):
        return ast.dump(tree)


def _function_text(source: str, name: str) -> str:
    node = next(n for n in _functions(ast.parse(source)) if n.name == name)
    return ast.get_source_segment(source, node) or ""


def _raises_not_implemented(node: ast.FunctionDef) -> bool:
    for raised in (n for n in ast.walk(node) if isinstance(n, ast.Raise) and n.exc is not None):
        called = raised.exc.func if isinstance(raised.exc, ast.Call) else raised.exc
        if isinstance(called, ast.Name) and called.id == "NotImplementedError":
            return True
    return False
