"""Mutants of a reference: each operator's change, one node at a time, in text that parses to exactly that change."""

from __future__ import annotations

import ast
import textwrap

import pytest

from grader.course.mutation import mutants_of, reaching, student_functions, unified_diff
from grader.grading.models import replaced_function

REFERENCE = textwrap.dedent(
    '''
    """A module in the style of an exercise: some functions are the student's, some are given."""

    import numpy as np

    LIMIT = 10


    def given(x):
        """Given to students: never mutated."""
        return x + 1


    def scale(v, factor=2):
        """Returns the values times the factor, as floats."""
        return factor * np.asarray(v, dtype=float)


    def running_total(values, start):
        """Returns the running totals from start, one per value, or stops at LIMIT."""
        total = start
        totals = np.zeros(len(values))
        # Totals past the limit are part of the exercise: no warning wanted.
        with np.errstate(over="ignore"):
            for index in range(len(values)):
                if total >= LIMIT and -total < 0:
                    break
                total = total + values[index]
                totals[index] = total
        return totals


    def pair(a, b):
        return (a, b)
    '''
)

STARTER = textwrap.dedent(
    '''
    def given(x):
        return x + 1


    def scale(v, factor=2):
        """Returns the values times the factor."""
        raise NotImplementedError("scale")


    def running_total(values, start):
        raise NotImplementedError


    def pair(a, b):
        raise NotImplementedError()
    '''
)


@pytest.fixture(scope="module")
def mutants():
    return mutants_of(REFERENCE, ["scale", "running_total", "pair"])


def descriptions(mutants, function):
    return [(m.operator, m.description) for m in mutants if m.function == function]


def test_student_functions_are_those_the_starter_leaves_unwritten():
    assert student_functions(REFERENCE, STARTER) == ("scale", "running_total", "pair")


def test_each_operator_changes_one_node_of_scale(mutants):
    assert descriptions(mutants, "scale") == [
        ("arithmetic", "`factor * np.asarray(v, dtype=float)` → `factor / np.asarray(v, dtype=float)`"),
        ("sign", "`return factor * np.asarray(v, dtype=float)` → `return -(factor * np.asarray(v, dtype=float))`"),
        ("abs", "`return factor * np.asarray(v, dtype=float)` → `return abs(factor * np.asarray(v, dtype=float))`"),
        ("call", "`np.asarray(v, dtype=float)` → `v`"),
        ("keyword", "`np.asarray(v, dtype=float)` → `np.asarray(v)`"),
        ("earlier_value", "`return factor * np.asarray(v, dtype=float)` → `return factor`"),
        ("earlier_value", "`return factor * np.asarray(v, dtype=float)` → `return np.asarray(v, dtype=float)`"),
        ("statement", "`return factor * np.asarray(v, dtype=float)` removed"),
    ]


def test_loops_indexes_comparisons_and_blocks(mutants):
    found = descriptions(mutants, "running_total")
    for expected in [
        ("arithmetic", "`total + values[index]` → `total - values[index]`"),
        ("sign", "`-total` → `total`"),
        ("constant", "`-total < 0` → `-total < 1`"),
        ("off_by_one", "`range(len(values))` → `range(len(values) + 1)`"),
        ("off_by_one", "`values[index]` → `values[index - 1]`"),
        ("off_by_one", "`totals[index]` → `totals[index + 1]`"),
        ("comparison", "`total >= LIMIT` → `total > LIMIT`"),
        ("comparison", "`total >= LIMIT and -total < 0` → `total >= LIMIT or -total < 0`"),
        ("earlier_value", "`return totals` → `return total`"),
        ("earlier_value", "`return totals` → `return index`"),
        ("statement", '`with np.errstate(over="ignore"):` removed, its body kept'),
        ("statement", "`for index in range(len(values)):` removed with its body"),
        ("statement", "`break` removed"),
    ]:
        assert expected in found


def test_tuple_items_and_call_arguments_are_swapped(mutants):
    assert ("swap", "`(a, b)` → `(b, a)`") in descriptions(mutants, "pair")
    assert all(m.function != "given" for m in mutants)


def test_every_mutant_parses_and_changes_only_its_function(mutants):
    reference = ast.parse(REFERENCE)
    for mutant in mutants:
        tree = ast.parse(mutant.source)
        changed = [
            before.name
            for before, after in zip(reference.body, tree.body, strict=True)
            if ast.dump(before) != ast.dump(after)
        ]
        assert changed == [mutant.function], mutant.id


def test_text_outside_the_change_is_kept_byte_for_byte(mutants):
    unwrapped = next(m for m in mutants if "its body kept" in m.description)
    diff = unified_diff(REFERENCE, unwrapped.source, "module.py")
    assert '-    with np.errstate(over="ignore"):' in diff
    assert "+    for index in range(len(values)):" in diff
    assert "# Totals past the limit are part of the exercise" in unwrapped.source
    subtracted = next(m for m in mutants if m.description == "`total + values[index]` → `total - values[index]`")
    changed = [line for line in unified_diff(REFERENCE, subtracted.source, "m.py").splitlines() if line[:1] in "+-"]
    assert changed == [
        "--- reference/m.py",
        "+++ mutant/m.py",
        "-            total = total + values[index]",
        "+            total = total - values[index]",
    ]


def test_precedence_gets_parentheses_where_the_tree_needs_them():
    mutants = mutants_of("def f(a, b, c):\n    return a * (b + c)\n", ["f"])
    sources = {m.description: m.source for m in mutants}
    assert "return a * (b - c)" in sources["`b + c` → `b - c`"]
    assert "return -(a * (b + c))" in sources["`return a * (b + c)` → `return -(a * (b + c))`"]


def test_ids_are_stable_and_distinct(mutants):
    again = mutants_of(REFERENCE, ["scale", "running_total", "pair"])
    assert [m.id for m in again] == [m.id for m in mutants]
    assert len({m.id for m in mutants}) == len(mutants) == len({m.source for m in mutants})
    edited = REFERENCE.replace("return (a, b)", "return [a, b]")
    assert {m.id for m in mutants_of(edited, ["scale"])} == {m.id for m in mutants if m.function == "scale"}


def test_reaching_follows_who_calls_whom():
    source = "def a(x):\n    return x\n\ndef b(x):\n    return a(x)\n\ndef c(f=b):\n    return f(1)\n\n"
    source += "def d():\n    return 0\n"
    assert reaching(source, "a") == {"a", "b", "c"}
    assert reaching(source, "d") == {"d"}


def test_an_authors_function_replaces_the_body_and_keeps_the_docstring():
    author = "def scale_wrongly(v, factor=2):\n    return factor + np.asarray(v)\n"
    definition = ast.parse(author).body[0]
    source = replaced_function(REFERENCE, "scale", definition, author)
    assert '"""Returns the values times the factor, as floats."""\n    return factor + np.asarray(v)\n' in source
    other_signature = "def scale_wrongly(v):\n    return 2 * v\n"
    source = replaced_function(REFERENCE, "scale", ast.parse(other_signature).body[0], other_signature)
    assert "def scale(v):\n    return 2 * v\n" in source
