"""Returns what makes a grade defensible, measured on one graded mutant: the audit's four fairness checks.

- seed_dependent: the same file graded under SEEDS inputs keys must get one score (the hidden tests' seeded
  inputs must catch each mistake on every draw);
- cascade: the points a mutant of one function loses on tests about other functions (tests declare what
  they judge with the `about` marker; `pipeline` tests are about every function);
- false_name: a name attached to a test whose failure the mistake's own model does not show the same way
  under the same seed;
- replay: a lookup-table submission that answers every call its report showed with the expected value, and
  makes the mistake elsewhere, must score no more than the mistake.
"""

from __future__ import annotations

import base64
import pickle
from collections.abc import Iterable, Mapping, Sequence
from types import ModuleType
from typing import Any

from grader.grading.proof import Evidence, OwnFunction, run_call
from grader.grading.proxy import Scripted
from grader.results import Outcome, SubmissionResult

SEEDS = 8
"""How many inputs keys the audit grades each mutant under."""
SEED_SEPARATOR = "@seed"

Shown = tuple[str, str, str]
"""What a failed test's section shows: its message, the expected and the actual value."""


def seeded(student: str, seed: int) -> str:
    """Returns the id a mutant is graded under for one seed."""
    return f"{student}{SEED_SEPARATOR}{seed}"


def seed_of(student: str) -> tuple[str, int]:
    """Returns the mutant's id and the seed from an id made by seeded()."""
    mutant, _, seed = student.rpartition(SEED_SEPARATOR)
    return mutant, int(seed)


def inputs_key(seed: int) -> str:
    """Returns the inputs key of one of the audit's seeds (never a submission's own: those are hex digests)."""
    return f"audit-seed-{seed}"


def cascade_points(result: SubmissionResult, function: str) -> float:
    """Returns the points lost on tests about other functions than `function` (pipeline tests excepted)."""
    return sum(
        test.max_score - test.score
        for test in result.tests
        if test.outcome is not Outcome.PASSED and test.about and function not in test.about and not test.pipeline
    )


def undeclared(result: SubmissionResult) -> tuple[str, ...]:
    """Returns the tests that declare neither what they are about nor that they test the pipeline."""
    return tuple(test.name for test in result.tests if not test.about and not test.pipeline)


def shown(result: SubmissionResult) -> dict[str, Shown]:
    """Returns what each failed test's section shows of the values, by test name."""
    return {
        test.name: (test.message, test.failure.expected or "", test.failure.actual or "")
        for test in result.tests
        if test.outcome is not Outcome.PASSED and test.failure is not None
    }


def false_names(
    names: Mapping[str, Sequence[str]],
    failures: Mapping[str, Shown],
    models: Mapping[str, Sequence[Mapping[str, Shown]]],
) -> list[str]:
    """Returns the names (mistake id → tests it is attached to) that no model of the mistake bears out.

    A model bears a name out when, graded under the same seed, each of the name's tests fails for it and
    shows the same message and values as for the mutant.
    """
    return [
        mistake
        for mistake, tests in names.items()
        if not any(all(model.get(test) == failures.get(test) for test in tests) for model in models.get(mistake, ()))
    ]


# -- replay: the lookup table a student could build from a classmate's report ---------------------------------

ANY = "\0any"
"""Stands in the lookup table for an argument the report shows only by name (a stand-in, a function)."""

LOOKUP = """

# -- Written by grader audit: a lookup table of the calls a classmate's report showed, with their expected
# -- values; every other call goes to the code above.
import base64 as _lookup_base64
import pickle as _lookup_pickle

_LOOKUP = _lookup_pickle.loads(_lookup_base64.b64decode({payload!r}))


def _lookup_same(given, shown):
    if isinstance(shown, str) and shown == {any!r}:
        return True
    try:
        import numpy

        return bool(numpy.array_equal(given, shown))
    except Exception:
        return False


def _lookup_answering(name, function):
    def answering(*args, **kwargs):
        for shown_args, shown_kwargs, value in _LOOKUP[name]:
            if len(args) == len(shown_args) and sorted(kwargs) == sorted(shown_kwargs):
                pairs = list(zip(args, shown_args)) + [(kwargs[key], shown_kwargs[key]) for key in kwargs]
                if all(_lookup_same(given, shown) for given, shown in pairs):
                    return _lookup_pickle.loads(_lookup_pickle.dumps(value))
        return function(*args, **kwargs)

    return answering


for _lookup_name in _LOOKUP:
    globals()[_lookup_name] = _lookup_answering(_lookup_name, globals()[_lookup_name])
"""


def lookup_source(source: str, evidence: Mapping[str, Sequence[Evidence]], reference: ModuleType) -> str:
    """Returns `source` answering, with the reference's value, the last call of each failed test: the call its
    report shows with the expected value."""
    table: dict[str, list[tuple[tuple[Any, ...], dict[str, Any], Any]]] = {}
    for calls in evidence.values():
        if not calls:
            continue
        shown_call = calls[-1]
        value, raised, _ = run_call(reference, shown_call)
        if raised is None:
            args = tuple(_as_shown(value) for value in shown_call.args)
            kwargs = {key: _as_shown(value) for key, value in shown_call.kwargs}
            table.setdefault(shown_call.name, []).append((args, kwargs, value))
    payload = base64.b64encode(pickle.dumps(table)).decode()
    return source + LOOKUP.format(payload=payload, any=ANY)


def _as_shown(value: Any) -> Any:
    if isinstance(value, (OwnFunction, Scripted)) or callable(value):
        return ANY
    return value


def scores_differ(scores: Iterable[float]) -> bool:
    """Returns whether a list of scores holds more than one score."""
    return len({round(score, 6) for score in scores}) > 1
