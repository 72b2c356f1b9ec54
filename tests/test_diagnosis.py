"""Named mistakes: the engine's part (grader/grading/diagnosis.py), on probes written here.

Each assignment's own probes are tested on its mistakes/ submissions in test_assignment_mistakes.py.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from grader.authoring import N_, Finding, mistake
from grader.grading.diagnosis import diagnose, probes_in
from grader.grading.grade import grade_stream
from grader.grading.outcomes import Source
from grader.grading.proof import Evidence
from grader.grading.proxy import SubmissionCallFailed
from grader.results import Diagnosis, Failure, Outcome, Status

SUBMISSIONS = Path(__file__).parent / "fixtures" / "submissions"


def probe(id="sign", when=("test_neg*",), check=None):
    return mistake(
        id, title=N_("Title"), explanation=N_("Got {actual}, not {expected}; n={n}."), fix="Fix.", when=when
    )(check or (lambda submission, reference: Finding(expected=1.0, actual=-1.0, call="f(1)", params={"n": 3})))


SIGN_MODEL = SimpleNamespace(negate=lambda x: x)
"""A model of the mistake "sign": negate forgets the sign."""
NEGATE_1 = (Evidence("negate", (1.0,), (), 1.0, None),)
"""What a test saw: negate(1.0) gave 1.0, as the model does."""


def named(probes, failed, evidence=None, models=None, **options):
    """Returns diagnose() with the model of "sign", and every failed test having seen NEGATE_1 by default."""
    evidence = evidence if evidence is not None else dict.fromkeys(failed, NEGATE_1)
    models = models if models is not None else {"sign": [SIGN_MODEL]}
    return diagnose(probes, failed, None, None, models=models, evidence=evidence, **options)


def test_a_probe_runs_only_when_a_test_it_explains_failed():
    calls = []

    def check(submission, reference):
        calls.append(1)
        return Finding(expected=1, actual=2, call="f()")

    found = named([probe(check=check)], ["test_x.py::test_other[a]"])
    assert found == () and calls == []
    found = named([probe(check=check)], ["test_x.py::test_negate[a]", "test_x.py::test_other"])
    assert [d.id for d in found] == ["sign"] and calls == [1]
    assert found[0].tests == ("test_x.py::test_negate[a]",)


def test_a_name_is_attached_only_to_the_failed_tests_its_model_reproduces():
    evidence = {
        "t.py::test_negate[one]": NEGATE_1,
        "t.py::test_negate[two]": (Evidence("negate", (2.0,), (), 7.0, None),),  # the model gives 2.0
        "t.py::test_negate[none]": (),  # no call made: nothing to prove
    }
    (found,) = named([probe()], list(evidence), evidence)
    assert found.tests == ("t.py::test_negate[one]",)
    assert named([probe()], ["t.py::test_negate[two]"], evidence) == ()


def test_a_mistake_without_a_model_is_never_named():
    assert named([probe()], ["t.py::test_negate"], models={}) == ()
    assert named([probe()], ["t.py::test_negate"], models={"other": [SIGN_MODEL]}) == ()


def test_a_model_must_reproduce_exceptions_and_what_stand_ins_were_given():
    raised = (Evidence("negate", (1.0,), (), None, "ValueError"),)
    assert named([probe()], ["t.py::test_negate"], {"t.py::test_negate": raised}) == ()
    failing = SimpleNamespace(negate=lambda x: int("x"))
    assert named([probe()], ["t.py::test_negate"], {"t.py::test_negate": raised}, {"sign": [failing]})


def test_the_headline_is_the_mistake_that_explains_the_most_lost_points():
    first, second = probe("sign", when=("test_negate",)), probe("big", when=("test_big",))
    models = {"sign": [SIGN_MODEL], "big": [SIGN_MODEL]}
    failed = ["t.py::test_negate", "t.py::test_big"]
    points = {"t.py::test_negate": 1.0, "t.py::test_big": 5.0}
    assert [d.id for d in named([first, second], failed, models=models, points=points)] == ["big", "sign"]
    assert [d.id for d in named([first, second], failed, models=models)] == ["sign", "big"]


def test_a_diagnosis_fills_its_placeholders_and_formats_values():
    (found,) = named([probe()], ["t.py::test_negate"])
    assert (found.call, found.expected, found.actual) == ("f(1)", "1.0", "-1.0")
    assert found.text(found.explanation) == "Got -1.0, not 1.0; n=3."
    assert found.text("Translated {actual}") == "Translated -1.0"


def test_a_call_that_fails_in_the_student_code_names_nothing():
    def check(submission, reference):
        raise SubmissionCallFailed(Failure(kind="error", message="raised"))

    assert named([probe(check=check)], ["t.py::test_negate"]) == ()


def test_a_broken_probe_never_costs_a_result_but_fails_loudly_when_strict():
    def check(submission, reference):
        raise ZeroDivisionError("bug in the probe")

    assert named([probe(check=check)], ["t.py::test_negate"]) == ()
    with pytest.raises(ZeroDivisionError):
        named([probe(check=check)], ["t.py::test_negate"], strict=True)


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


@pytest.mark.slow
def test_grading_runs_the_assignment_s_probes_on_what_failed(toy_with_mistakes):
    """The toy's one probe ("triples", for test_double*) on a submission making it, one making another
    mistake, and a correct one."""
    results = {}
    sources = [Source(name, SUBMISSIONS / f"{name}.py") for name in ("wrong_double", "returns_always_equal", "good")]
    grade_stream(toy_with_mistakes, sources, lambda r: results.setdefault(r.student, r), with_plots=False)
    (triples,) = results["wrong_double"].diagnoses
    failed = [t.name for t in results["wrong_double"].tests if t.outcome is not Outcome.PASSED]
    assert (triples.id, triples.call, triples.expected, triples.actual) == ("triples", "double(x=1.0)", "2.0", "3.0")
    assert triples.tests == tuple(name for name in failed if "::test_double" in name)
    assert results["returns_always_equal"].score < 5 and results["returns_always_equal"].diagnoses == ()
    assert (results["good"].score, results["good"].diagnoses) == (5.0, ())


def test_a_probe_can_explain_one_case_of_a_parametrised_test_only():
    from grader.authoring import mistake

    probe = mistake("m", title="t", explanation="e", fix="f", when=("test_compare[second*]", "test_alone"))(
        lambda submission, reference: None
    )
    assert probe.explains("test_x.py::test_compare[second from 0.1]")
    assert not probe.explains("test_x.py::test_compare[first from 0.01]")
    assert probe.explains("test_x.py::test_alone[any case]")
