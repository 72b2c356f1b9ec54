"""Named mistakes: the engine (grader/diagnosis.py) and gd1d's probes, on submissions written in another style.

Each file in fixtures/mistakes/ makes one listed mistake in a style the examples do not use (a class
holding the run, a while loop, list appends then np.array, lambdas); its file stem is the mistake's id.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.assignment import find_assignment, load_reference
from grader.authoring import N_, Finding, mistake
from grader.grading.diagnosis import diagnose, load_diagnoses, probes_in
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed
from grader.reports.student import build_context, render_check, render_html, render_markdown
from grader.results import Diagnosis, Failure, Outcome, Status
from grader.sandbox.client import Worker
from grader.sandbox.launchers import ForkServerLauncher

PROJECT = Path(__file__).parent.parent
MISTAKES = Path(__file__).parent / "fixtures" / "mistakes"
NAMED = sorted(p.stem for p in MISTAKES.glob("*.py") if p.stem not in ("correct_in_another_style", "unlisted_mistake"))


@pytest.fixture(scope="module")
def gd1d():
    return find_assignment(str(PROJECT / "assignments" / "gd1d"))


@pytest.fixture(scope="module")
def graded(gd1d):
    results = {}
    sources = [Source(p.stem, p) for p in sorted(MISTAKES.glob("*.py"))]
    grade_stream(gd1d, sources, lambda r: results.setdefault(r.student, r), with_plots=False)
    return results


@pytest.fixture(scope="module")
def launcher():
    launcher = ForkServerLauncher()
    yield launcher
    launcher.close()


# -- the engine -----------------------------------------------------------------------------------------------


def probe(id="sign", when=("test_neg*",), check=None):
    return mistake(
        id, title=N_("Title"), explanation=N_("Got {actual}, not {expected}; n={n}."), fix="Fix.", when=when
    )(check or (lambda submission, reference: Finding(expected=1.0, actual=-1.0, call="f(1)", params={"n": 3})))


def test_a_probe_runs_only_when_a_test_it_explains_failed():
    calls = []

    def check(submission, reference):
        calls.append(1)
        return Finding(expected=1, actual=2, call="f()")

    found = diagnose([probe(check=check)], ["test_x.py::test_other[a]"], None, SimpleNamespace())
    assert found == () and calls == []
    found = diagnose([probe(check=check)], ["test_x.py::test_negate[a]", "test_x.py::test_other"], None, None)
    assert [d.id for d in found] == ["sign"] and calls == [1]
    assert found[0].tests == ("test_x.py::test_negate[a]",)


def test_a_diagnosis_fills_its_placeholders_and_formats_values():
    (found,) = diagnose([probe()], ["t.py::test_negate"], None, None)
    assert (found.call, found.expected, found.actual) == ("f(1)", "1.0", "-1.0")
    assert found.text(found.explanation) == "Got -1.0, not 1.0; n=3."
    assert found.text("Translated {actual}") == "Translated -1.0"


def test_a_call_that_fails_in_the_student_code_names_nothing():
    def check(submission, reference):
        raise SubmissionCallFailed(Failure(kind="error", message="raised"))

    assert diagnose([probe(check=check)], ["t.py::test_negate"], None, None) == ()


def test_a_broken_probe_never_costs_a_result_but_fails_loudly_when_strict():
    def check(submission, reference):
        raise ZeroDivisionError("bug in the probe")

    assert diagnose([probe(check=check)], ["t.py::test_negate"], None, None) == ()
    with pytest.raises(ZeroDivisionError):
        diagnose([probe(check=check)], ["t.py::test_negate"], None, None, strict=True)


def test_a_probe_needs_test_patterns_and_unique_ids():
    with pytest.raises(ValueError, match="at least one test pattern"):
        probe(when=())
    module = SimpleNamespace(__name__="diagnoses", a=probe("same"), b=probe("same"))
    with pytest.raises(ValueError, match="names these mistakes twice: same"):
        probes_in(module)  # type: ignore[arg-type]


def test_diagnoses_are_in_results_json():
    from grader.results import SubmissionResult

    diagnosis = Diagnosis("sign", "Title {n}", "Why {n}", "Fix", "f(1)", "1", "2", (("n", "3"),), ("t::a",))
    result = SubmissionResult("s", "a", 0, 1, Status.GRADED, "", (), "0", diagnoses=(diagnosis,))
    stored = result.to_json_dict()["diagnoses"]
    assert stored == [
        {
            "id": "sign",
            "title": "Title 3",
            "explanation": "Why 3",
            "fix": "Fix",
            "call": "f(1)",
            "expected": "1",
            "actual": "2",
            "tests": ["t::a"],
        }
    ]


# -- gd1d's named mistakes -------------------------------------------------------------------------------------


def test_every_listed_mistake_has_a_fixture_submission(gd1d):
    ids = {p.id for p in load_diagnoses(gd1d.diagnoses_file)}
    assert ids == set(NAMED)
    assert len(ids) >= 9  # the list, some items split (e.g. transposed or wrongly shaped history)


@pytest.mark.parametrize("name", NAMED)
def test_each_mistake_is_named_and_only_it(graded, name):
    result = graded[name]
    assert result.status is Status.GRADED and result.score < result.max_score
    assert [d.id for d in result.diagnoses] == [name]
    (diagnosis,) = result.diagnoses
    assert diagnosis.call and diagnosis.expected and diagnosis.actual and diagnosis.fix
    assert diagnosis.expected != diagnosis.actual
    failed = {t.name for t in result.tests if t.outcome is not Outcome.PASSED}
    assert diagnosis.tests and set(diagnosis.tests) <= failed


@pytest.mark.parametrize("name", NAMED)
def test_each_probe_recognises_only_its_own_mistake_even_when_every_probe_runs(gd1d, launcher, name):
    """Stricter than grading: every probe runs whatever failed, and a probe that raises fails the test."""
    probes = load_diagnoses(gd1d.diagnoses_file)
    every_test = [f"t.py::{pattern.replace('*', '_x')}" for p in probes for pattern in p.when]
    reference = load_reference(gd1d.reference_file)
    with Worker(MISTAKES / f"{name}.py", gd1d.submission_file, gd1d.limits, launcher) as worker:
        assert worker.load().ok
        found = diagnose(probes, every_test, RemoteSubmission(worker, reference), reference, strict=True)
    assert [d.id for d in found] == [name]


def test_a_correct_submission_in_another_style_has_no_mistake(graded):
    result = graded["correct_in_another_style"]
    assert (result.score, result.diagnoses) == (result.max_score, ())


def test_an_unrecognised_failure_still_gets_its_call_values_and_hint(graded, gd1d):
    result = graded["unlisted_mistake"]
    assert result.diagnoses == () and result.score < result.max_score
    failed = [t for t in result.tests if t.outcome is not Outcome.PASSED]
    assert failed and all(t.failure and t.failure.call and t.failure.expected and t.failure.actual for t in failed)
    assert all(t.hint for t in failed)
    html = render_html(build_context(result, gd1d.title, with_svgs=False))
    assert "fixed_lr(base_lr=0.01, epoch=0, n_epochs=50, grad=9.0)" in html and "Hint:" in html
    assert "mistakes your values show" not in html and "mistake your values show" not in html


@pytest.mark.parametrize("language", ["en", "vi"])
@pytest.mark.parametrize("name", NAMED)
def test_each_mistake_is_named_in_both_languages(graded, gd1d, name, language):
    from grader.i18n import translator

    result = graded[name]
    (diagnosis,) = result.diagnoses
    translate = translator(language, [gd1d.locale])
    title = translate.gettext(diagnosis.title)
    fix = diagnosis.text(translate.gettext(diagnosis.fix))
    if language == "vi":
        assert title != diagnosis.title, f"no Vietnamese title for {name}"
    ctx = build_context(result, gd1d.title, with_svgs=False, language=language, locale_dirs=[gd1d.locale])
    html, markdown, check = render_html(ctx), render_markdown(ctx), render_check(ctx)
    from markupsafe import escape

    assert str(escape(title)) in html and str(escape(fix)) in html
    # The call as written, but for the name of a function the grader supplies, in the report's language.
    assert diagnosis.call_text is not None
    call = diagnosis.call_text.render(translate.gettext)
    assert str(escape(call)) in html
    assert title in check and call in check
    assert ("Gợi ý" in html) == (language == "vi") and ("Cách sửa:" in markdown) == (language == "vi")
