"""Returns the models of an assignment's named mistakes: the reference with one function written with the mistake.

An assignment's mutants.py holds, for each named mistake, one or more functions decorated with
`grader.authoring.mutant`, each written as the reference function it `replaces` would be with the mistake
made. Spliced into the reference's source in place of that function, each is a model of the mistake:

- `grader audit` grades it like a submission (it must lose points and be given the mistake's name);
- grading imports it, as trusted code like the reference, to prove a name: a mistake is named on a failed
  test only when one of its models, given the test's calls, gives back the student's values
  (grader.grading.proof).

mutants.py is read as source, never imported: it is the reference in another form and stays with the
instructor (`grader release` never ships it).
"""

from __future__ import annotations

import ast
import functools
import sys
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from grader.assignment import MUTANTS_NAME
from grader.errors import GraderError

__all__ = ["MUTANTS_NAME", "Model", "MutantsFile", "load_models", "read_mutants", "replaced_function"]

EQUIVALENT_NAME = "EQUIVALENT"


@dataclass(frozen=True)
class Model:
    """One model of a named mistake: the reference with one function rewritten."""

    name: str
    """The decorated function's name in mutants.py: unique, the model's id."""
    mistake: str
    """The id of the named mistake (a @mistake in diagnoses.py) it makes."""
    replaces: str
    """The reference function it takes the place of."""
    description: str
    """The mistake in one line, for the audit."""
    source: str
    """The whole reference module with the function replaced."""


@dataclass(frozen=True)
class MutantsFile:
    """What mutants.py says: the models, and generated mutants' ids the author calls equivalent, with why."""

    models: tuple[Model, ...] = ()
    equivalent: dict[str, str] = field(default_factory=dict)


def read_mutants(path: Path, reference: str) -> MutantsFile:
    """Returns the models and equivalence list of a mutants.py; nothing when the file does not exist.

    Raises GraderError naming the line when the file cannot be read.
    """
    if not path.is_file():
        return MutantsFile()
    source = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(source, filename=str(path))
    except SyntaxError as error:
        raise GraderError(
            f"{path} is not valid Python ({error.msg}, line {error.lineno})", "fix it and audit again"
        ) from None
    models = [
        _model(path, source, reference, node, decorator)
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and (decorator := _mutant_decorator(node)) is not None
    ]
    names = [model.name for model in models]
    if duplicates := sorted({name for name in names if names.count(name) > 1}):
        raise GraderError(f"{path} defines {', '.join(duplicates)} more than once", "give every mutant its own name")
    return MutantsFile(tuple(models), _equivalent(path, tree))


@functools.cache
def load_models(path: Path, reference_file: Path) -> Mapping[str, tuple[types.ModuleType, ...]]:
    """Returns each named mistake's models as modules, by mistake id, imported once per process.

    Only the author's files are imported (the reference and mutants.py), never a submission's.
    """
    loaded: dict[str, tuple[types.ModuleType, ...]] = {}
    for model in read_mutants(path, reference_file.read_text(encoding="utf-8")).models:
        module = types.ModuleType(f"_grader_model_{model.name}_{abs(hash(str(path)))}")
        module.__file__ = str(path)
        sys.modules[module.__name__] = module  # dataclasses and pickling look modules up by name
        exec(compile(model.source, f"<model {model.name} of {path}>", "exec"), module.__dict__)  # noqa: S102 - the author's own code
        loaded[model.mistake] = (*loaded.get(model.mistake, ()), module)
    return loaded


def replaced_function(reference: str, name: str, definition: ast.FunctionDef, source: str) -> str:
    """Returns the reference with its top-level function `name` rewritten as `definition` (a def in `source`).

    With the same signature only the statements after the docstring are replaced, so the reference's
    docstring stays and a diff shows the change alone; with another signature the whole function is.
    """
    tree = ast.parse(reference)
    node = next((n for n in top_functions(tree) if n.name == name), None)
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
    start = byte_offset(reference, first, column)
    end = byte_offset(reference, node.end_lineno or node.lineno, node.end_col_offset or 0)
    encoded = reference.encode()
    return (encoded[:start] + text.rstrip().encode() + encoded[end:]).decode()


def byte_offset(source: str, line: int, column: int) -> int:
    """Returns the byte offset of (line, column) as ast gives them: lines from 1, columns in UTF-8 bytes."""
    lines = source.encode().splitlines(keepends=True)
    return sum(len(text) for text in lines[: line - 1]) + column


def top_functions(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    """Returns the functions defined at the top level of a module."""
    return (node for node in tree.body if isinstance(node, ast.FunctionDef))


def _body(function: ast.FunctionDef) -> list[ast.stmt]:
    """Returns the function's statements after its docstring."""
    first = function.body[0]
    is_docstring = (
        isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
    )
    return function.body[1:] if is_docstring else function.body


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


def _model(path: Path, source: str, reference: str, node: ast.FunctionDef, decorator: ast.Call) -> Model:
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
    return Model(node.name, mistake, replaces, description, mutated)


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
