"""Returns what loading a submission in its worker means for the student: a status and, if it failed, why."""

from __future__ import annotations

from typing import Any

from grader.assignment import Assignment
from grader.i18n import N_
from grader.results import Failure, Status, Text, text
from grader.sandbox import Reply


def load_status(load: Reply, assignment: Assignment) -> tuple[Status, Failure | None]:
    """Returns the status and, when it failed, the student-facing reason from the reply to loading."""
    file = assignment.submission_file
    if load.ok:
        return Status.GRADED, None
    if load.limit in ("time", "total_time"):
        sentence = text(
            N_(
                "loading {file} took longer than {seconds} s. Code at the top level of the file runs when it is "
                'loaded: move long work into functions or under if __name__ == "__main__":.'
            ),
            file=file,
            seconds=f"{assignment.limits.call_seconds:g}",
        )
        return Status.TIMEOUT, Failure.of("limit", sentence)
    error = load.error or {}
    line, code = error.get("line"), error.get("code")
    exception = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    details = {"exception": exception, "line": line, "code": code}
    if load.limit == "memory":
        sentence = _at_line(
            N_("loading {file} needed more than {megabytes} MB of memory at line {line}."),
            N_("loading {file} needed more than {megabytes} MB of memory."),
            line,
            file=file,
            megabytes=str(assignment.limits.memory_mb),
        )
        return Status.MEMORY_LIMIT, Failure.of("limit", sentence, **details)
    if error.get("type") in ("SyntaxError", "IndentationError", "TabError"):
        sentence = _at_line(
            N_("Python could not read {file}: {problem} at line {line}."),
            N_("Python could not read {file}: {problem}."),
            line,
            file=file,
            problem=str(error.get("message", "invalid syntax")),
        )
        return Status.SYNTAX_ERROR, Failure.of("error", sentence, **details)
    if error.get("type") == "SystemExit":
        sentence = _at_line(
            N_(
                "{file} called sys.exit() or exit() at line {line} while it was being loaded, which stops any "
                'program that imports it. Remove it, or move it under if __name__ == "__main__":.'
            ),
            N_(
                "{file} called sys.exit() or exit() while it was being loaded, which stops any program that "
                'imports it. Remove it, or move it under if __name__ == "__main__":.'
            ),
            line,
            file=file,
        )
        return Status.IMPORT_ERROR, Failure.of("error", sentence, **details)
    if load.error is not None:
        sentence = _at_line(
            N_("running the top level of {file} raised {exception} at line {line}."),
            N_("running the top level of {file} raised {exception}."),
            line,
            file=file,
            exception=exception,
        )
        return Status.IMPORT_ERROR, Failure.of("error", sentence, **details)
    sentence = text(
        N_(
            "the process running {file} stopped while loading it: {how}. Calls such as os._exit() or a crash "
            "inside a library do this."
        ),
        file=file,
        how=str(load.crash),
    )
    return Status.CRASHED, Failure.of("error", sentence, exception=load.crash)


def _at_line(with_line: str, without_line: str, line: Any, **values: str) -> Text:
    """Returns the sentence that names the line of the student's file when it is known."""
    return text(with_line, line=str(line), **values) if line else text(without_line, **values)
