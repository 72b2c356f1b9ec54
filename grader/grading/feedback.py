"""Returns what a failure means for the student: the one place where failures become student text.

Three kinds of failure reach a student: loading their file in its worker failed (a status and why),
a call into their code returned no value (a limit, an exception, a value the grader refuses), and a
test ended on an exception (a mismatch, a failed check, or the test's own fault). Each becomes a
Failure whose sentences are translatable Texts; no hidden test's source is ever part of one.
"""

from __future__ import annotations

from typing import Any

import pytest

from grader.assignment import Assignment
from grader.authoring import Mismatch, describe_last_call
from grader.results import Failure, Status
from grader.sandbox.client import Reply, Worker
from grader.text import N_, Text, text


def load_status(load: Reply, assignment: Assignment) -> tuple[Status, Failure | None]:
    """Returns the status and, when it failed, the student-facing reason from the reply to loading."""
    file = assignment.submission_file
    if load.ok:
        return Status.GRADED, None
    if load.limit in ("time", "total_time"):
        sentence = text(_LOAD_TIMEOUT, file=file, seconds=f"{assignment.limits.call_seconds:g}")
        return Status.TIMEOUT, Failure.of("limit", sentence)
    if load.error is None:
        sentence = text(_LOAD_CRASH, file=file, how=str(load.crash))
        return Status.CRASHED, Failure.of("error", sentence, exception=load.crash)
    error = load.error
    line, code = error.get("line"), error.get("code")
    exception = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    details = {"exception": exception, "line": line, "code": code}
    values = {"file": file, "exception": exception, "problem": str(error.get("message", "invalid syntax"))}
    if load.limit == "memory":
        status, kind, sentences = Status.MEMORY_LIMIT, "limit", _LOAD_MEMORY
        values["megabytes"] = str(assignment.limits.memory_mb)
    elif error.get("type") in ("SyntaxError", "IndentationError", "TabError"):
        status, kind, sentences = Status.SYNTAX_ERROR, "error", _LOAD_SYNTAX
    elif error.get("type") == "SystemExit":
        status, kind, sentences = Status.IMPORT_ERROR, "error", _LOAD_EXIT
    else:
        status, kind, sentences = Status.IMPORT_ERROR, "error", _LOAD_RAISED
    with_line, without_line = sentences
    sentence = text(with_line, line=str(line), **values) if line else text(without_line, **values)
    return status, Failure.of(kind, sentence, **details)


def too_large(assignment: Assignment, size: int) -> tuple[Status, Failure]:
    """Returns the status and reason for a submission file over the assignment's size cap, never read."""
    sentence = text(
        N_("{file} is {size} KB, more than the {limit} KB a submission may have, so the grader did not read it."),
        file=assignment.submission_file,
        size=str(size // 1024),
        limit=str(assignment.submission_kb),
    )
    return Status.SYNTAX_ERROR, Failure.of("error", sentence)


_LOAD_TIMEOUT = N_(
    "loading {file} took longer than {seconds} s. Code at the top level of the file runs when it is "
    'loaded: move long work into functions or under if __name__ == "__main__":.'
)
_LOAD_CRASH = N_(
    "the process running {file} stopped while loading it: {how}. Calls such as os._exit() or a crash "
    "inside a library do this."
)
# What a failed load says, with the line of the student's file when it is known, and without.
_LOAD_MEMORY = (
    N_("loading {file} needed more than {megabytes} MB of memory at line {line}."),
    N_("loading {file} needed more than {megabytes} MB of memory."),
)
_LOAD_SYNTAX = (
    N_("Python could not read {file}: {problem} at line {line}."),
    N_("Python could not read {file}: {problem}."),
)
_LOAD_EXIT = (
    N_(
        "{file} called sys.exit() or exit() at line {line} while it was being loaded, which stops any "
        'program that imports it. Remove it, or move it under if __name__ == "__main__":.'
    ),
    N_(
        "{file} called sys.exit() or exit() while it was being loaded, which stops any program that "
        'imports it. Remove it, or move it under if __name__ == "__main__":.'
    ),
)
_LOAD_RAISED = (
    N_("running the top level of {file} raised {exception} at line {line}."),
    N_("running the top level of {file} raised {exception}."),
)


class SubmissionCallFailed(Exception):
    """A call into the submission did not return a value; `failure` says why, for the student."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


class SubmissionUnavailable(Exception):
    """The submission did not load, so no test can call into it."""

    def __init__(self, failure: Failure):
        super().__init__(failure.message)
        self.failure = failure


def failure_for(reply: Reply, call: Text, worker: Worker) -> Failure:
    """Returns the student-facing Failure for a reply that carried no value."""
    limits = worker.limits
    if reply.limit == "time":
        sentence = text(N_("timed out after {seconds} s in {call}."), seconds=f"{limits.call_seconds:g}", call=call)
        return Failure.of("limit", sentence, call=call)
    if reply.limit == "total_time":
        sentence = text(
            N_("the time limit for the whole submission ({seconds} s) was used up; {call} was not run."),
            seconds=f"{limits.total_seconds:g}",
            call=call,
        )
        return Failure.of("limit", sentence, call=call)
    if reply.limit == "memory":
        sentence = text(
            N_("ran out of memory (the limit is {megabytes} MB) in {call}."), megabytes=str(limits.memory_mb), call=call
        )
        return Failure.of("limit", sentence, call=call, line=_get(reply.error, "line"), code=_get(reply.error, "code"))
    if reply.error is not None:
        exception = f"{reply.error.get('type', 'Exception')}: {reply.error.get('message', '')}".rstrip(": ")
        line = _get(reply.error, "line")
        sentence = (
            text(
                N_("{call} raised {exception} at line {line} of your file."),
                call=call,
                exception=exception,
                line=str(line),
            )
            if line
            else text(N_("{call} raised {exception}."), call=call, exception=exception)
        )
        return Failure.of("error", sentence, call=call, exception=exception, line=line, code=_get(reply.error, "code"))
    if reply.bad_value is not None:
        sentence = text(
            N_("{call} returned {value}, which the grader does not accept."), call=call, value=reply.bad_value
        )
        return Failure.of("bad_value", sentence, call=call)
    if reply.missing is not None:
        # The grader looked the name up: nothing of the student's raised, so no exception is reported.
        sentence = text(N_("your file does not define a function named {name}."), name=reply.missing)
        return Failure.of("missing", sentence, call=call, missing=reply.missing)
    sentence = text(N_("the worker running your code stopped during {call}: {how}."), call=call, how=str(reply.crash))
    return Failure.of("error", sentence, call=call, exception=reply.crash)


def describe_exception(error: BaseException) -> Failure:
    """Returns what a student should read about an exception that ended a test, never its source."""
    if isinstance(error, SubmissionCallFailed | SubmissionUnavailable):
        return error.failure
    if isinstance(error, Mismatch):
        return Failure.of(
            "mismatch",
            error.text,
            call=error.call_text,
            expected=error.expected,
            expected_text=error.expected_text,
            actual=error.actual,
        )
    call = describe_last_call()
    if isinstance(error, AssertionError):
        # The test's own message: a report translates it when the assignment's catalog has it.
        return Failure.of("check", text(str(error).strip() or N_("a check on your values failed.")), call=call)
    if isinstance(error, pytest.skip.Exception):
        return Failure.of("internal", text(N_("the test was skipped, so it scores 0.")))
    if call is not None:
        sentence = text(
            N_("the test could not use what your code returned ({error})."), error=f"{type(error).__name__}: {error}"
        )
        return Failure.of("check", sentence, call=call)
    sentence = text(
        N_("the test itself failed ({error}); this is not your mistake: please tell your instructor."),
        error=type(error).__name__,
    )
    return Failure.of("internal", sentence)


def _get(error: dict[str, Any] | None, key: str) -> Any:
    return error.get(key) if error else None
