"""Returns a Gradescope autograder for an assignment, and grades a submission inside Gradescope.

`build` writes autograder.zip: setup.sh and run_autograder at its root (Gradescope's specification),
the grader's own source, the assignment (hidden tests included) and the reference. On Gradescope,
run_autograder runs `python -m grader.exports.gradescope ROOT`, which grades ROOT/submission and writes
ROOT/results/results.json. ROOT is /autograder there; GRADER_AUTOGRADER_ROOT points it elsewhere.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import sys
import tomllib
from pathlib import Path
from typing import Any

from grader.assignment import Assignment, find_assignment
from grader.errors import GraderError
from grader.files import files_under, write_zip
from grader.grading.grade import grade
from grader.grading.notebooks import NOTEBOOK_SUFFIX
from grader.grading.outcomes import Source
from grader.i18n import DEFAULT_LANGUAGE, translator
from grader.reports.student import build_context, render_markdown
from grader.results import Outcome, SubmissionResult
from grader.sandbox.isolation import Isolation, isolation_for_grading, requested_level

PACKAGE = Path(__file__).resolve().parent.parent
"""The grader package, copied whole into the autograder."""
SCRIPTS = Path(__file__).resolve().parent / "gradescope_files"
ROOT_SCRIPTS = ("setup.sh", "run_autograder")
DISTRIBUTION = "gd-autograder"
SETTINGS = "grader-settings.json"
"""How the autograder was built ({"language": ...}), read back by `run` on Gradescope."""
LEFT_OUT = ("examples", "golden", "mistakes", "mutants.py")
"""What of the assignment's folder the autograder does not need: example submissions, the tests' golden
files, the submissions that make the named mistakes, and the mutants `grader audit` grades (the reference
in another form, for instructors only)."""


def build(assignment: Assignment, archive: Path, language: str = DEFAULT_LANGUAGE) -> list[str]:
    """Writes the autograder zip at `archive` and returns the names in it, sorted.

    `language` is the language of the students' feedback; it travels in the zip as SETTINGS.
    """
    translator(language)  # refuses a language no report can be written in, before anything is written
    if archive.suffix != ".zip":
        raise GraderError(f"{archive} does not end in .zip", "pass -o NAME.zip: Gradescope takes a zip")
    entries = {name: SCRIPTS / name for name in ROOT_SCRIPTS}
    entries |= {f"grader/{path.relative_to(PACKAGE).as_posix()}": path for path in files_under(PACKAGE)}
    home = f"assignments/{assignment.name}"
    entries |= {
        f"{home}/{path.relative_to(assignment.root).as_posix()}": path
        for path in files_under(assignment.root)
        if path.relative_to(assignment.root).parts[0] not in LEFT_OUT
    }
    if not assignment.reference_file.is_relative_to(assignment.root):
        default = assignment.root.parent.parent / "reference" / assignment.name / assignment.submission_file
        if assignment.reference_file != default.resolve():
            raise GraderError(
                f"the reference {assignment.reference_file} is outside the assignment folder and not at "
                f"reference/{assignment.name}/{assignment.submission_file}",
                "move it to one of those places so the autograder can hold it",
            )
        entries[f"reference/{assignment.name}/{assignment.submission_file}"] = assignment.reference_file
    archive.parent.mkdir(parents=True, exist_ok=True)
    generated = {
        # The grader's own, then what the assignment's code imports (`packages` in assignment.toml).
        "requirements.txt": "".join(f"{line}\n" for line in dict.fromkeys([*dependencies(), *assignment.packages])),
        SETTINGS: json.dumps({"language": language}) + "\n",
    }
    for name, content in generated.items():
        entries[name] = archive.parent / f".{archive.name}.{name}"
        entries[name].write_text(content, encoding="utf-8")
    try:
        write_zip(archive, entries, executables=ROOT_SCRIPTS)
    finally:
        for name in generated:
            entries[name].unlink()
    return sorted(entries)


def dependencies() -> list[str]:
    """Returns the grader's runtime requirements, from pyproject.toml beside the package or its metadata."""
    pyproject = PACKAGE.parent / "pyproject.toml"
    if pyproject.is_file():
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == DISTRIBUTION:
            return [str(line) for line in project.get("dependencies", [])]
    try:
        required = importlib.metadata.requires(DISTRIBUTION) or []
    except importlib.metadata.PackageNotFoundError:
        raise GraderError(
            f"cannot tell the grader's dependencies: no pyproject.toml at {pyproject} and {DISTRIBUTION} "
            "is not installed",
            "install the grader with pip, or run it from its source folder",
        ) from None
    return [line for line in required if "extra ==" not in line]


def find_submission(folder: Path, submission_file: str) -> Path | None:
    """Returns the file to grade in Gradescope's submission folder, or None when there is none.

    Tried in order: the submission file (at any depth, shallowest first), a notebook of the same name,
    then the only Python file or notebook in the folder.
    """
    if not folder.is_dir():
        return None
    notebook = Path(submission_file).with_suffix(NOTEBOOK_SUFFIX).name
    # Links and special files are candidates too, never followed: grading reports them, nothing of their target.
    files = sorted(
        (p for p in folder.rglob("*") if p.is_symlink() or not p.is_dir()), key=lambda p: (len(p.parts), str(p))
    )
    for name in (submission_file, notebook):
        for path in files:
            if path.name == name:
                return path
    candidates = [p for p in files if p.suffix in (".py", NOTEBOOK_SUFFIX)]
    return candidates[0] if len(candidates) == 1 else None


def results_json(result: SubmissionResult, assignment: Assignment, language: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """Returns Gradescope's results.json for a graded submission, its texts in `language`.

    Top level: score, execution_time (whole seconds), output (the Markdown report), output_format,
    tests. Each test: name, score, max_score, status ("passed" or "failed"), output, visibility.
    """
    ctx = build_context(result, assignment.title, with_svgs=False, language=language, locale_dirs=[assignment.locale])
    result = ctx.result  # every message in the report's language
    hint = translator(language, [assignment.locale]).gettext
    tests = []
    for test in result.tests:
        passed = test.outcome is Outcome.PASSED
        output = "" if passed else "\n\n".join(part for part in (test.message, _hint(hint(test.hint))) if part)
        tests.append(
            {
                "name": test.name,
                "score": test.score,
                "max_score": test.max_score,
                "status": "passed" if passed else "failed",
                "output": output,
                "visibility": "visible",
            }
        )
    return {
        "score": result.score,
        "execution_time": math.ceil(result.seconds),
        "output": render_markdown(ctx),
        "output_format": "md",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def run(root: Path, isolation: Isolation) -> SubmissionResult:
    """Grades ROOT/submission with the one assignment under ROOT/source and writes ROOT/results/results.json.

    Its worker runs at `isolation`, which main() chose (fail closed) before anything was graded.
    """
    assignment = find_assignment(None, home=root / "source" / "assignments")
    path = find_submission(root / "submission", assignment.submission_file)
    result = grade(assignment, Source("submission", path), with_plots=False, isolation=isolation)
    settings = root / "source" / SETTINGS
    language = json.loads(settings.read_text(encoding="utf-8"))["language"] if settings.is_file() else DEFAULT_LANGUAGE
    out = root / "results" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    document = results_json(result, assignment, language)
    out.write_text(json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n", encoding="utf-8")
    return result


def _hint(hint: str) -> str:
    return f"Hint: {hint}" if hint else ""


def main(argv: list[str]) -> int:
    """Runs as `python -m grader.exports.gradescope ROOT` from run_autograder; returns the exit status.

    The runner picks the level with GRADER_ISOLATION, read here once (default: the strongest there is).
    """
    if len(argv) != 1:
        print("usage: python -m grader.exports.gradescope ROOT  (ROOT is /autograder on Gradescope)", file=sys.stderr)
        return 2
    root = Path(argv[0])
    try:
        # Fail closed: never run a submission where it could read the hidden tests.
        isolation = isolation_for_grading(requested_level(None))
    except GraderError as error:
        print(f"error: {error}", file=sys.stderr)
        refusal = {
            "score": 0,
            "output": f"The autograder refused to run your code: {error.problem}. "
            "This is not your mistake: tell your instructor.",
            "output_format": "text",
            "execution_time": 0,
            "stdout_visibility": "hidden",
            "tests": [],
        }
        (root / "results").mkdir(parents=True, exist_ok=True)
        (root / "results" / "results.json").write_text(json.dumps(refusal) + "\n", encoding="utf-8")
        return 2
    result = run(root, isolation)
    print(f"{result.student}: {result.score:g}/{result.max_score:g} points, status {result.status.value}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
