"""Measures grading fairness on gd1d: seed luck, what one mistake costs, and what a lookup table earns.

For each fixture in tests/fixtures/fairness/ (one real-student-style submission per case) it prints:
  1. the scores of --copies copies that differ only in a trailing comment (so only the seeds differ):
     one small mistake should not score 83 for one student and 92 for another;
  2. for the first copy: the score, the failed tests grouped by what they are about (their test file),
     and the named mistakes (the first is the headline the report shows);
  3. replay: a submission that pastes a mistake's source and answers every failed call its report showed
     with the expected value shown there (a lookup table), graded with other seeds: the mistake's score
     against the lookup's. Seeing the failures should not be worth points.

It grades with the grader of --tree, so the same fixtures measure the code before and after a change:

    .venv/bin/python benchmarks/fairness.py --tree /tmp/before/tree > /tmp/fairness_before.txt
    .venv/bin/python benchmarks/fairness.py --json /tmp/fairness_after.json
    .venv/bin/python benchmarks/fairness.py --replay assignments/gd1d/mistakes/time_decay_off_by_one.py
"""

from __future__ import annotations

import argparse
import ast
import json
import math
import sys
import tempfile
import textwrap
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
FIXTURES = HERE / "tests" / "fixtures" / "fairness"
REPLAYED = ("derivative_6x", "gradient_lr_abs_dropped_below_minus_5")
LOOKUP = """

# --- lookup table: each call a failure report showed, answered with the value it expected ----------------
import numpy as np

_ANSWERS = {answers}


def _same(actual, shown):
    if isinstance(shown, str):  # a function, shown by its name
        return actual is globals().get(shown) or getattr(actual, "__name__", None) == shown
    try:
        a, b = np.asarray(actual, dtype=np.float64), np.asarray(shown, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12, equal_nan=True))


def _answering(name, original):
    code = original.__code__
    params = code.co_varnames[: code.co_argcount]
    defaults = original.__defaults__ or ()
    preset = dict(zip(params[len(params) - len(defaults):], defaults))

    def answer(*args, **kwargs):
        bound = preset | dict(zip(params, args)) | kwargs
        for positional, keywords, expected in _ANSWERS[name]:
            shown = dict(zip(params, positional)) | keywords
            if all(p in bound and _same(bound[p], v) for p, v in shown.items()):
                return np.array(expected, dtype=np.float64) if isinstance(expected, list) else np.float64(expected)
        return original(*args, **kwargs)

    return answer


for _name in _ANSWERS:
    globals()[_name] = _answering(_name, globals()[_name])
"""


def grader_of(tree: Path, scratch: Path) -> Callable[[dict[str, str]], dict[str, Any]]:
    """Returns a function grading submissions (id to text) with the grader of `tree`: their results by id."""
    sys.path.insert(0, str(tree))  # before any import of grader: the tree's grader, not the installed one
    from grader.assignment import load_assignment
    from grader.grading.grade import grade_stream
    from grader.grading.outcomes import Source

    assignment = load_assignment(tree / "assignments" / "gd1d")

    def grade(files: dict[str, str]) -> dict[str, Any]:
        folder, sources = Path(tempfile.mkdtemp(dir=scratch)), []
        for student, body in files.items():
            path = folder / student / assignment.submission_file
            path.parent.mkdir()
            path.write_text(body, encoding="utf-8")
            sources.append(Source(student, path))
        results: list[Any] = []
        grade_stream(assignment, sources, results.append, with_plots=False)
        return {result.student: result for result in results}

    return grade


def copies(body: str, count: int, tag: str = "copy") -> list[str]:
    return [f"{body.rstrip()}\n# {tag} {k}\n" for k in range(count)]


def failed_by_topic(result: Any) -> dict[str, list[str]]:
    """Returns the failed tests' short names (parametrized ones counted: "name[×3]"), by what they are about."""
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for test in result.tests:
        if test.score < test.max_score:
            file, _, name = test.name.partition("::")  # test_descent_loop.py::... is about the "descent loop"
            topic = file.removesuffix(".py").removeprefix("test_").replace("_", " ")
            counts[topic][name.split("[")[0].removeprefix("test_")] += 1
    return {
        topic: [name if n == 1 else f"{name}[×{n}]" for name, n in counted.items()] for topic, counted in counts.items()
    }


def shown_value(text: str | None) -> Any:
    """Returns the number or (nested) list a report shows, None when it is cut ("…") or not a value."""
    if not text or "…" in text:
        return None
    text = text.split("  (shape")[0].strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    return literal(tree.body)


def literal(node: ast.AST) -> Any:
    """Returns the value of a literal number, list, tuple or function name (nan and inf included), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal(node.operand)
        return -value if isinstance(value, float) else None
    if isinstance(node, ast.Name) and node.id in ("nan", "inf"):
        return float(node.id)
    if isinstance(node, ast.List | ast.Tuple):
        values = [literal(item) for item in node.elts]
        return None if any(v is None for v in values) else values
    return None


def argument(node: ast.AST) -> Any:
    """Returns a call's literal argument, or the name of the function it passes (schedule=fixed_lr)."""
    return node.id if isinstance(node, ast.Name) and node.id not in ("nan", "inf") else literal(node)


def harvested(result: Any) -> dict[str, list[tuple[list[Any], dict[str, Any], Any]]]:
    """Returns, by function, the calls a result's failures show with literal arguments and expected value."""
    answers: dict[str, list[tuple[list[Any], dict[str, Any], Any]]] = defaultdict(list)
    for test in result.tests:
        failure = test.failure
        expected = shown_value(failure.expected) if failure else None
        if expected is None:
            continue
        try:
            call = ast.parse(failure.call or "", mode="eval").body
        except SyntaxError:
            continue
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Name):
            continue
        positional = [argument(node) for node in call.args]
        keywords = {k.arg: argument(k.value) for k in call.keywords if k.arg}
        if None not in positional and None not in keywords.values():
            answers[call.func.id].append((positional, keywords, expected))
    return answers


def python_source(value: Any) -> str:
    """Returns Python source for a harvested value, with nan and inf spelled as float(...)."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(python_source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {python_source(v)}" for k, v in value.items()) + "}"
    return repr(value)


def table(header: list[str], rows: list[list[Any]], wrap: int = 100) -> str:
    """Returns rows as aligned plain text under a header, the last column wrapped at `wrap` characters."""
    cells = [header]
    for row in rows:
        *left, last = [str(c) for c in row]
        for i, piece in enumerate(textwrap.wrap(last, wrap) or [""]):
            cells.append([*(left if i == 0 else [""] * len(left)), piece])
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]])


def scores_of(graded: dict[str, Any], name: str, count: int) -> list[float]:
    return sorted((graded[f"{name}.{k}"].score for k in range(count)), reverse=True)


def listed(scores: list[float]) -> str:
    return ",".join(f"{score:g}" for score in scores)


def measure_cases(graded: dict[str, Any], cases: list[str], count: int) -> dict[str, Any]:
    """Prints and returns, per case, its copies' scores and its first copy's failed tests and named mistakes."""
    measured: dict[str, Any] = {}
    rows, first_rows, failed_rows = [], [], []
    for case in cases:
        scores, first = scores_of(graded, case, count), graded[f"{case}.0"]
        topics, diagnoses = failed_by_topic(first), [d.id for d in first.diagnoses]
        measured[case] = {
            "scores": scores,
            "distinct": len(set(scores)),
            "first": {"score": first.score, "status": str(first.status), "failed": topics, "diagnoses": diagnoses},
        }
        rows.append([case, len(set(scores)), listed(scores)])
        first_rows.append([case, f"{first.score:g}", str(first.status), ", ".join(diagnoses) or "-"])
        for i, (topic, names) in enumerate(topics.items()):
            failed_rows.append([case if i == 0 else "", topic, ", ".join(names)])
    print(f"1. Scores of {count} copies differing only in a comment\n")
    print(table(["case", "distinct", "scores (high to low)"], rows))
    print("\n2. First copy: score and named mistakes (headline first)\n")
    print(table(["case", "score", "status", "named mistakes"], first_rows))
    print("\n   First copy: failed tests by what they are about\n")
    print(table(["case", "about", "failed tests"], failed_rows))
    return measured


def measure_replays(grade: Any, graded: dict[str, Any], replays: dict[str, str], count: int) -> dict[str, Any]:
    """Prints and returns, per mistake, its lowest copy's score against the scores of lookups built from it."""
    lookups: dict[str, str] = {}
    answered: dict[str, tuple[float, float, int]] = {}
    for name, text in replays.items():
        results = [graded[f"{name}.{k}"] for k in range(count)]
        source = min(results, key=lambda r: r.score)  # the copy whose report showed the most failures
        answers = harvested(source)
        mean = sum(r.score for r in results) / count
        answered[name] = (source.score, mean, sum(len(calls) for calls in answers.values()))
        lookup = text.rstrip() + LOOKUP.format(answers=python_source(dict(answers)))
        lookups |= {f"{name}.{k}": body for k, body in enumerate(copies(lookup, count, tag="lookup"))}
    graded_lookups = grade(lookups)
    measured, rows = {}, []
    for name, (lowest, mean, calls) in answered.items():
        scores = scores_of(graded_lookups, name, count)
        measured[name] = {"lowest": lowest, "mean": mean, "answered_calls": calls, "lookup_scores": scores}
        rows.append([name, f"{lowest:g}", f"{mean:.4g}", calls, f"{sum(scores) / count:.4g}", listed(scores)])
    print("\n3. Replay: each mistake's lowest copy answered by a lookup of the calls its report showed\n")
    header = ["mistake", "lowest", "mean", "answered calls", "lookup mean", "lookup scores"]
    print(table(header, rows))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE, help="repository whose grader grades (default: this one)")
    parser.add_argument("--copies", type=int, default=12, help="copies per case, differing in a comment")
    parser.add_argument("--replay", type=Path, action="append", default=[], help="a mistake file to replay too")
    parser.add_argument("--json", type=Path, help="also write the numbers to this JSON file")
    args = parser.parse_args()
    cases = {path.stem: path.read_text(encoding="utf-8") for path in sorted(FIXTURES.glob("*.py"))}
    replays = {name: cases[name] for name in REPLAYED} | {p.stem: p.read_text(encoding="utf-8") for p in args.replay}
    everything = cases | replays
    with tempfile.TemporaryDirectory(prefix="fairness-") as scratch:
        grade = grader_of(args.tree.resolve(), Path(scratch))
        print(f"grader: {sys.modules['grader'].__file__}\n")
        graded = grade(
            {f"{name}.{k}": body for name in everything for k, body in enumerate(copies(everything[name], args.copies))}
        )
        report = {
            "tree": str(args.tree.resolve()),
            "copies": args.copies,
            "cases": measure_cases(graded, list(cases), args.copies),
            "replay": measure_replays(grade, graded, replays, args.copies),
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
