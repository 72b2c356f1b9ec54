"""Every assignment's named mistakes (its diagnoses.py), on submissions written in another style.

An assignment with a diagnoses.py keeps in assignments/NAME/mistakes/ one submission per named mistake,
its file stem the mistake's id, written in a style its examples do not use (a class holding the run, a
while loop, list appends, lambdas); other files there (a correct submission in another style, a mistake
no probe names) must be named by no probe. Parametrised over the assignments, so a new one brings its
own mistakes and needs no edit here. The engine's part of diagnosis is tested in test_diagnosis.py.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from course import ASSIGNMENTS, MISTAKES
from markupsafe import escape

from grader.assignment import Assignment, load_assignment, load_reference
from grader.grading.diagnosis import load_diagnoses
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed
from grader.i18n import LANGUAGES, translator
from grader.reports.student import build_context, render_check, render_html, render_markdown
from grader.results import Outcome, Status, SubmissionResult
from grader.sandbox.client import Worker
from grader.sandbox.launchers import ForkServerLauncher

WITH_DIAGNOSES = [folder for folder in ASSIGNMENTS if (folder / "diagnoses.py").is_file()]
SUBMISSIONS = [path for folder in WITH_DIAGNOSES for path in sorted((folder / MISTAKES).glob("*.py"))]
IDS = [f"{path.parent.parent.name}-{path.stem}" for path in SUBMISSIONS]


@functools.cache
def assignment_at(folder: Path) -> Assignment:
    return load_assignment(folder)


@functools.cache
def probe_ids(folder: Path) -> tuple[str, ...]:
    return tuple(probe.id for probe in load_diagnoses(folder / "diagnoses.py"))


@functools.cache
def graded(folder: Path) -> dict[str, SubmissionResult]:
    """Returns every submission in the assignment's mistakes/ folder graded, in one session."""
    results: list[SubmissionResult] = []
    sources = [Source(path.stem, path) for path in sorted((folder / MISTAKES).glob("*.py"))]
    grade_stream(assignment_at(folder), sources, results.append, with_plots=False)
    return {result.student: result for result in results}


def expected_ids(path: Path) -> list[str]:
    """The mistake a submission in mistakes/ makes: its stem when a probe has that id, else none."""
    return [path.stem] if path.stem in probe_ids(path.parent.parent) else []


@pytest.fixture(scope="module")
def launcher():
    launcher = ForkServerLauncher()
    yield launcher
    launcher.close()


@pytest.mark.parametrize("folder", WITH_DIAGNOSES, ids=[folder.name for folder in WITH_DIAGNOSES])
def test_every_named_mistake_has_a_submission_that_makes_it(folder):
    stems = {path.stem for path in (folder / MISTAKES).glob("*.py")}
    assert probe_ids(folder) and set(probe_ids(folder)) - stems == set()


@pytest.mark.parametrize("path", SUBMISSIONS, ids=IDS)
@pytest.mark.slow
def test_grading_names_each_mistake_and_only_it(path):
    result = graded(path.parent.parent)[path.stem]
    assert result.status is Status.GRADED, result.status_message
    assert [d.id for d in result.diagnoses] == expected_ids(path)
    failed = [t for t in result.tests if t.outcome is not Outcome.PASSED]
    assert all(t.hint and t.failure and t.failure.message for t in failed), "every failure says why"
    for diagnosis in result.diagnoses:
        assert result.score < result.max_score
        assert diagnosis.call and diagnosis.expected and diagnosis.actual and diagnosis.fix
        assert diagnosis.expected != diagnosis.actual
        assert diagnosis.tests and set(diagnosis.tests) <= {t.name for t in failed}


@pytest.mark.parametrize("path", SUBMISSIONS, ids=IDS)
def test_each_probe_recognises_only_its_own_mistake_even_when_every_probe_runs(path, launcher):
    """Stricter than grading: every probe runs whatever failed and whatever the models say, and a probe that
    raises fails the test (grading also needs a model's proof; see test_grading_names_each_mistake_and_only_it)."""
    assignment = assignment_at(path.parent.parent)
    probes = load_diagnoses(path.parent.parent / "diagnoses.py")
    reference = load_reference(assignment.reference_file)
    with Worker(path, assignment.submission_file, assignment.limits, launcher) as worker:
        assert worker.load().ok
        submission = RemoteSubmission(worker, reference)
        found = [probe.id for probe in probes if _finds(probe, submission, reference)]
    assert found == expected_ids(path)


def _finds(probe, submission, reference) -> bool:
    try:
        return probe.check(submission, reference) is not None
    except SubmissionCallFailed:
        return False


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    "path", [pytest.param(p, id=i) for p, i in zip(SUBMISSIONS, IDS, strict=True) if expected_ids(p)]
)
@pytest.mark.slow
def test_each_mistake_is_named_in_every_report_and_language(path, language):
    assignment = assignment_at(path.parent.parent)
    result = graded(path.parent.parent)[path.stem]
    (diagnosis,) = result.diagnoses
    translate = translator(language, [assignment.locale])
    title = translate.gettext(diagnosis.title)
    fix = diagnosis.text(translate.gettext(diagnosis.fix))
    if language != LANGUAGES[0]:
        assert title != diagnosis.title, f"no {language} title for {diagnosis.id}"
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    html, markdown, check = render_html(ctx), render_markdown(ctx), render_check(ctx)
    assert str(escape(title)) in html and str(escape(fix)) in html
    # The call as written, but for the name of a function the grader supplies, in the report's language.
    assert diagnosis.call_text is not None
    call = diagnosis.call_text.render(translate.gettext)
    assert str(escape(call)) in html
    assert title in check and call in check
    assert f"**{translate.gettext('How to fix it:')}**" in markdown
