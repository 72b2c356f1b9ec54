"""Returns and writes the audit report for the instructor: DIR/audit.html and DIR/audit.md.

The report reads the audit as audit.json holds it and orders it for reading: the mutants that survived
the hidden tests first, with their diff; then, per named mistake, whether its own mutant was caught and
given its name; then the equivalent mutants with the reason; then the caught ones with the tests that
caught them. It is for the people who write the hidden tests, in English like the CLI.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.files import write_atomically
from grader.formatting import format_points
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.reports.templating import environment

CAUGHT_BY_SHOWN = 3
"""A caught mutant's line names this many of the tests that caught it, then says how many more did."""


@dataclass(frozen=True)
class MutantLine:
    """One mutant as the report shows it."""

    id: str
    function: str
    operator: str
    description: str
    """The change in one line, code between backticks."""
    description_parts: tuple[tuple[str, bool], ...]
    """The description cut at its backticks: (text, is it code), for HTML."""
    diff: str
    diff_lines: tuple[tuple[str, str], ...]
    """(kind, line) per line of the diff, kind one of "file", "hunk", "removed", "added", "context"."""
    score: str
    """"score / max", formatted."""
    verdict: str
    note: str
    caught_by: tuple[str, ...]
    """The first tests that failed, one per test function ("file.py::test_x (3 cases)")."""
    more_tests: int
    """How many more test functions failed than caught_by names."""
    diagnoses: tuple[str, ...]


@dataclass(frozen=True)
class MistakeLine:
    """A named mistake and what its own mutant showed."""

    id: str
    title: str
    mutant: str | None
    verdict: str
    """caught, survived, or "no mutant" when mutants.py has none for it."""
    named: str
    """"yes", "no", or "–" when there is no mutant."""
    reported: tuple[str, ...]
    """Every named mistake the diagnoses reported for the mutant."""


@dataclass(frozen=True)
class FairnessLine:
    """One failed fairness check, for one mutant or named mistake."""

    check: str
    """seed_dependent, cascade, false_name or replay."""
    subject: str
    """The mutant's id, or for replay the named mistake's."""
    detail: str


FAIRNESS_CHECKS = {
    "seed_dependent": "same code, same score: every mutant graded under each seed gets one score",
    "cascade": "a mutant of one function loses no points on tests about another (pipeline tests excepted)",
    "false_name": "every name on a report is borne out by the mistake's model under the same seed",
    "replay": "a lookup table of the calls a named mistake's report shows earns no more than the mistake",
}
"""Each fairness check and what it holds the hidden tests to, in the order reports list them."""


@dataclass(frozen=True)
class AuditView:
    """What the audit templates receive, already ordered and formatted."""

    title: str
    assignment: str
    functions: tuple[str, ...]
    counts: Mapping[str, int]
    reference_score: str
    survivors: tuple[MutantLine, ...]
    mistakes: tuple[MistakeLine, ...]
    unnamed: int
    """Named mistakes whose mutant is missing, survived or was not given the mistake's name."""
    equivalent: tuple[MutantLine, ...]
    caught: tuple[MutantLine, ...]
    stale: tuple[str, ...]
    seconds: str
    seeds: int = 0
    """How many seeds each mutant was graded under."""
    fairness_counts: tuple[tuple[str, str, int], ...] = ()
    """(check, what it holds, failures) per fairness check."""
    unfair: tuple[FairnessLine, ...] = ()
    undeclared: tuple[str, ...] = ()
    """Tests that declare neither `about` nor `pipeline`."""


def build_view(audit: Mapping[str, Any]) -> AuditView:
    """Returns the report's view of an audit (as audit.json holds it)."""
    lines = [_line(m) for m in audit["mutants"]]
    mistakes = tuple(_mistake(m) for m in audit["mistakes"])
    return AuditView(
        title=audit["title"],
        assignment=audit["assignment"],
        functions=tuple(audit["functions"]),
        counts=audit["counts"],
        reference_score=format_points(audit["reference_score"]),
        survivors=_with(lines, "survived"),
        mistakes=mistakes,
        unnamed=sum(1 for m in mistakes if m.named != "yes" or m.verdict != "caught"),
        equivalent=_with(lines, "equivalent"),
        caught=_with(lines, "caught"),
        stale=tuple(audit.get("stale_equivalents", ())),
        seconds=f"{audit.get('seconds', 0.0):.1f}",
        **_fairness(audit),
    )


def _fairness(audit: Mapping[str, Any]) -> dict[str, Any]:
    """Returns the fairness part of the view: counts per check and a line per failure."""
    fairness = audit.get("fairness", {})
    mutants = audit["mutants"]
    lines = [
        *(
            FairnessLine("seed_dependent", m["id"], "scored " + ", ".join(map(format_points, m["seed_scores"])))
            for m in mutants
            if len(set(m.get("seed_scores", ()))) > 1
        ),
        *(
            FairnessLine(
                "cascade", m["id"], f"lost {format_points(m['cascade_points'])} points outside {m['function']}"
            )
            for m in mutants
            if m.get("cascade_points", 0) > 1e-9
        ),
        *(
            FairnessLine("false_name", m["id"], "named " + ", ".join(m["false_names"]))
            for m in mutants
            if m.get("false_names")
        ),
        *(
            FairnessLine(
                "replay",
                r["mistake"] if r["mutant"] == r["mistake"] else f"{r['mistake']} ({r['mutant']})",
                f"its lookup table scored {format_points(max(r['lookup_scores']))}, "
                f"the mistake {format_points(r['score'])}",
            )
            for r in fairness.get("replay", ())
            if r["lookup_scores"] and max(r["lookup_scores"]) > r["score"] + 1e-9
        ),
    ]
    counts = tuple(
        (check, held, sum(1 for line in lines if line.check == check)) for check, held in FAIRNESS_CHECKS.items()
    )
    return {
        "seeds": max((len(m.get("seed_scores", ())) for m in mutants), default=0),
        "fairness_counts": counts,
        "unfair": tuple(lines),
        "undeclared": tuple(fairness.get("undeclared_tests", ())),
    }


def render_audit(view: AuditView, kind: str) -> str:
    """Returns the report as "html" or "md"."""
    return environment(translator(DEFAULT_LANGUAGE)).get_template(f"audit.{kind}.j2").render(audit=view)


def write_audit_reports(audit: Mapping[str, Any], out: Path) -> list[Path]:
    """Writes OUT/audit.html and OUT/audit.md and returns their paths."""
    view = build_view(audit)
    paths = []
    for kind in ("html", "md"):
        path = out / f"audit.{kind}"
        write_atomically(path, render_audit(view, kind))
        paths.append(path)
    return paths


def _line(mutant: Mapping[str, Any]) -> MutantLine:
    failed = _by_function(mutant["failed_tests"])
    return MutantLine(
        id=mutant["id"],
        function=mutant["function"],
        operator=mutant["operator"],
        description=mutant["description"],
        description_parts=tuple((part, index % 2 == 1) for index, part in enumerate(mutant["description"].split("`"))),
        diff=mutant["diff"],
        diff_lines=tuple((_diff_kind(line), line) for line in mutant["diff"].splitlines()),
        score=f"{format_points(mutant['score'])} / {format_points(mutant['max_score'])}",
        verdict=mutant["verdict"],
        note=mutant["note"],
        caught_by=failed[:CAUGHT_BY_SHOWN],
        more_tests=max(len(failed) - CAUGHT_BY_SHOWN, 0),
        diagnoses=tuple(mutant["diagnoses"]),
    )


def _diff_kind(line: str) -> str:
    if line.startswith(("--- ", "+++ ")):
        return "file"
    return {"@": "hunk", "-": "removed", "+": "added"}.get(line[:1], "context")


def _by_function(tests: Sequence[str]) -> tuple[str, ...]:
    """Returns each test function once, in order, with the number of its failed cases when more than one."""
    cases = Counter(name.split("[", 1)[0] for name in tests)
    return tuple(f"{name} ({count} cases)" if count > 1 else name for name, count in cases.items())


def _mistake(mistake: Mapping[str, Any]) -> MistakeLine:
    named = mistake["named"]
    return MistakeLine(
        id=mistake["id"],
        title=mistake["title"],
        mutant=mistake["mutant"],
        verdict=mistake["verdict"] or "no mutant",
        named="–" if named is None else "yes" if named else "no",
        reported=tuple(mistake["diagnoses"]),
    )


def _with(lines: Sequence[MutantLine], verdict: str) -> tuple[MutantLine, ...]:
    return tuple(line for line in lines if line.verdict == verdict)
