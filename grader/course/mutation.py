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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader.course import operators
from grader.course.operators import Site


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


def replaced_function(reference: str, name: str, definition: ast.FunctionDef, source: str) -> str:
    """Returns the reference with its top-level function `name` rewritten as `definition` (a def in `source`).

    With the same signature only the statements after the docstring are replaced, so the reference's
    docstring stays and a diff shows the change alone; with another signature the whole function is.
    """
    tree = ast.parse(reference)
    node = next((n for n in _functions(tree) if n.name == name), None)
    if node is None:
        raise KeyError(name)
    if ast.dump(node.args) != ast.dump(definition.args) or not _body(definition) or not _body(node):
        text = (ast.get_source_segment(source, definition) or "").replace(f"def {definition.name}(", f"def {name}(", 1)
        first, column = node.lineno, 0
    else:
        ours, theirs = _body(node)[0], _body(definition)[0]
        lines = source.splitlines()[theirs.lineno - 1 : definition.end_lineno]
        shift = ours.col_offset - theirs.col_offset
        text = "\n".join(" " * shift + line if shift >= 0 else line[-shift:] for line in lines)[ours.col_offset :]
        first, column = ours.lineno, ours.col_offset
    start = _offset(reference, first, column)
    end = _offset(reference, node.end_lineno or node.lineno, node.end_col_offset or 0)
    encoded = reference.encode()
    return (encoded[:start] + text.rstrip().encode() + encoded[end:]).decode()


def _body(function: ast.FunctionDef) -> list[ast.stmt]:
    """Returns the function's statements after its docstring."""
    first = function.body[0]
    is_docstring = (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )
    return function.body[1:] if is_docstring else function.body


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


def _offset(source: str, line: int, column: int) -> int:
    """Returns the byte offset of (line, column) as ast gives them: lines from 1, columns in UTF-8 bytes."""
    lines = source.encode().splitlines(keepends=True)
    return sum(len(text) for text in lines[: line - 1]) + column


def _function_text(source: str, name: str) -> str:
    node = next(n for n in _functions(ast.parse(source)) if n.name == name)
    return ast.get_source_segment(source, node) or ""


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    return (node for node in tree.body if isinstance(node, ast.FunctionDef))


def _raises_not_implemented(node: ast.FunctionDef) -> bool:
    for raised in (n for n in ast.walk(node) if isinstance(n, ast.Raise) and n.exc is not None):
        called = raised.exc.func if isinstance(raised.exc, ast.Call) else raised.exc
        if isinstance(called, ast.Name) and called.id == "NotImplementedError":
            return True
    return False
