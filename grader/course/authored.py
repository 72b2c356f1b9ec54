"""Returns the mutants an assignment's author wrote (one per named mistake) and the generated ones they call equivalent.

They live in assignments/NAME/mutants.py, which is read as source and never run: each mutant is a
function decorated with `grader.authoring.mutant`, written as the reference function it replaces would
be with the mistake made; the audit renames it and puts it in the reference's place. A module-level
dict EQUIVALENT maps generated mutants' ids to the reason they cannot change any value. The file is
the reference in another form, so it stays with the instructor: `grader release` never ships it.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import Assignment
from grader.course.mutation import Mutant, replaced_function
from grader.errors import GraderError

MUTANTS_NAME = "mutants.py"
EQUIVALENT_NAME = "EQUIVALENT"
OPERATOR = "named mistake"


@dataclass(frozen=True)
class Authored:
    """What mutants.py says: the author's mutants, and generated mutants' ids called equivalent, with why."""

    mutants: tuple[Mutant, ...] = ()
    equivalent: dict[str, str] = field(default_factory=dict)


def mutants_file(assignment: Assignment) -> Path:
    """Returns where the assignment's author mutants are kept (the file may not exist)."""
    return assignment.root / MUTANTS_NAME


def read_authored(assignment: Assignment, reference: str) -> Authored:
    """Returns the author's mutants and equivalence list; nothing when the file does not exist."""
    path = mutants_file(assignment)
    if not path.is_file():
        return Authored()
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise GraderError(
            f"{path} is not valid Python ({error.msg}, line {error.lineno})", "fix it and audit again"
        ) from None
    mutants = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and (decorator := _mutant_decorator(node)) is not None:
            mutants.append(_mutant(path, source, reference, node, decorator))
    ids = [m.id for m in mutants]
    if duplicates := sorted({i for i in ids if ids.count(i) > 1}):
        raise GraderError(f"{path} has more than one mutant of {', '.join(duplicates)}", "keep one per named mistake")
    return Authored(tuple(mutants), _equivalent(path, tree))


def _mutant_decorator(node: ast.FunctionDef) -> ast.Call | None:
    for decorator in node.decorator_list:
        if isinstance(decorator, ast.Call):
            called = decorator.func
            name = (
                called.id if isinstance(called, ast.Name) else called.attr if isinstance(called, ast.Attribute) else ""
            )
            if name == "mutant":
                return decorator
    return None


def _mutant(path: Path, source: str, reference: str, node: ast.FunctionDef, decorator: ast.Call) -> Mutant:
    where = f"{path.name}, line {node.lineno}"
    try:
        values = [ast.literal_eval(arg) for arg in decorator.args]
        options = {k.arg: ast.literal_eval(k.value) for k in decorator.keywords if k.arg}
    except ValueError:
        raise GraderError(
            f"{where}: @mutant takes only literal strings", 'write @mutant("id", replaces="name")'
        ) from None
    mistake = values[0] if values else options.get("mistake")
    replaces = options.get("replaces")
    if not isinstance(mistake, str) or not isinstance(replaces, str):
        raise GraderError(
            f"{where}: @mutant needs the named mistake's id and the function it replaces",
            'write @mutant("id", replaces="function_name")',
        )
    try:
        mutated = replaced_function(reference, replaces, node, source)
    except KeyError:
        raise GraderError(
            f"{where}: the reference has no function {replaces}", "name a function of the reference"
        ) from None
    description = " ".join(str(options.get("description", "")).split())
    return Mutant(mistake, replaces, OPERATOR, description, mutated, mistake=mistake)


def _equivalent(path: Path, tree: ast.Module) -> dict[str, str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == EQUIVALENT_NAME for t in node.targets
        ):
            try:
                listed = ast.literal_eval(node.value)
            except ValueError:
                listed = None
            if not isinstance(listed, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in listed.items()
            ):
                raise GraderError(
                    f"{path.name}, line {node.lineno}: {EQUIVALENT_NAME} must be a dict of mutant id to reason",
                    'write EQUIVALENT = {"function:operator:hash": "why no value can change"}',
                )
            return dict(listed)
    return {}
