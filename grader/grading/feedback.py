"""Returns what a failure means for the student: the one place where failures become student text.

Three kinds of failure reach a student: loading their file in its worker failed (a status and why),
a call into their code returned no value (a limit, an exception, a value the grader refuses), and a
test ended on an exception (a mismatch, a failed check, or the test's own fault). Each becomes a
Failure whose sentences are translatable Texts; no hidden test's source is ever part of one.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

import pytest

from grader.assignment import Assignment
from grader.authoring import Mismatch, describe_last_call
from grader.formatting import shorten
from grader.grading.assertions import assertion_text
from grader.grading.limit_causes import WAITED, WAITED_IN_CELLS, WAITED_LOADING, waited_in_call, with_process_limit
from grader.grading.notebooks import Positions
from grader.results import Failure, Status
from grader.sandbox.client import Reply, Worker
from grader.text import N_, Text, text


def load_status(
    load: Reply, assignment: Assignment, positions: Positions | None = None, file_name: str = ""
) -> tuple[Status, Failure | None]:
    """Returns the status and, when it failed, the student-facing reason from the reply to loading.

    `positions` is a notebook's map from its converted file to its cells (None for a Python file): the
    reason then names "cell N, line M" and the notebook, never the file the student did not write.
    `file_name` is the name of the file the student handed in (the assignment's file name by default).
    """
    if load.ok:
        return Status.GRADED, None
    if positions is not None:
        status, failure = _notebook_load_status(load, assignment, positions)
        return status, with_process_limit(failure)
    status, failure = _file_load_status(load, assignment, file_name or assignment.submission_file)
    return status, with_process_limit(failure)


def _file_load_status(load: Reply, assignment: Assignment, file: str) -> tuple[Status, Failure]:
    """Returns load_status for a Python file named `file` that did not load."""
    if load.limit == WAITED:
        sentence = text(WAITED_LOADING, file=file, seconds=f"{assignment.limits.wall_seconds:g}")
        return Status.TIMEOUT, Failure.of("limit", sentence)
    if load.limit in ("time", "total_time", "total_wall"):
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


def _notebook_load_status(load: Reply, assignment: Assignment, positions: Positions) -> tuple[Status, Failure]:
    """Returns load_status for a notebook, whose driver already reports (and skips) a cell that raises."""
    # The running cell comes from the worker's progress note: untrusted, so only a cell the notebook has.
    cell = int(load.progress) if load.progress.isdigit() and positions.has_cell(int(load.progress)) else None
    if load.limit == WAITED:
        sentence = _either(WAITED_IN_CELLS, cell=cell, seconds=f"{assignment.limits.wall_seconds:g}")
        return Status.TIMEOUT, Failure.of("limit", sentence, cell=cell)
    if load.limit in ("time", "total_time", "total_wall"):
        sentence = _either(_NOTEBOOK_TIMEOUT, cell=cell, seconds=f"{assignment.limits.call_seconds:g}")
        return Status.TIMEOUT, Failure.of("limit", sentence, cell=cell)
    if load.error is None:
        sentence = _either(_NOTEBOOK_CRASH, cell=cell, how=str(load.crash))
        return Status.CRASHED, Failure.of("error", sentence, exception=load.crash, cell=cell)
    exception = f"{load.error.get('type', '')}: {load.error.get('message', '')}".strip(": ")
    place = positions.of(load.error.get("line"))
    details = {"exception": exception, **_position(load.error, positions)}
    if load.limit == "memory":
        sentence = _either(_NOTEBOOK_MEMORY, place=place, megabytes=str(assignment.limits.memory_mb))
        return Status.MEMORY_LIMIT, Failure.of("limit", sentence, **details)
    sentence = _either(_NOTEBOOK_RAISED, place=place, exception=exception)
    return Status.IMPORT_ERROR, Failure.of("error", sentence, **details)


def raised_at_top_level(load: Reply) -> dict[str, Any] | None:
    """Returns the exception that stopped a plain Python file's top level (the worker's driver went on to
    keep what the file had defined, and says so in the load's value), checked; None when none did."""
    raised = load.value.get("raised") if load.ok and isinstance(load.value, dict) else None
    if not isinstance(raised, dict):
        return None
    line = raised.get("line")
    return {
        "type": shorten(str(raised.get("type", "Exception")), 80),
        "message": shorten(str(raised.get("message", "")), 2000),
        "line": line if isinstance(line, int) and not isinstance(line, bool) and line > 0 else None,
        "code": shorten(str(raised.get("code", "")), 200),
    }


def kept_status(
    raised: dict[str, Any], assignment: Assignment, kept: Sequence[str], file_name: str = ""
) -> tuple[Status, Failure]:
    """Returns the status of a file whose top level raised `raised` after defining `kept`, the functions to
    write that it defines.

    It is graded, with a note, when it defined one of them: those earn their points as a notebook's do
    when a later cell raises. Otherwise it is an import_error, as ever.
    """
    if not kept:
        failed = Reply(ok=False, error=raised)
        return load_status(failed, assignment, file_name=file_name)  # type: ignore[return-value]  # failed: set
    exception = f"{raised['type']}: {raised['message']}".strip(": ")
    values = {"file": file_name or assignment.submission_file, "exception": exception, "names": ", ".join(kept)}
    sentence = text(_KEPT[0], line=str(raised["line"]), **values) if raised["line"] else text(_KEPT[1], **values)
    failure = Failure.of("error", sentence, exception=exception, line=raised["line"], code=raised["code"])
    return Status.GRADED, with_process_limit(failure)


_KEPT = (
    N_(
        "running the top level of {file} raised {exception} at line {line}; the grader kept what the file "
        "defined above that line ({names}) and graded it, and skipped the rest of the file."
    ),
    N_(
        "running the top level of {file} raised {exception}; the grader kept what the file defined before "
        "({names}) and graded it, and skipped the rest of the file."
    ),
)


def failed_imports(load: Reply) -> dict[str, str]:
    """Returns, for each name a failed top-level import would have bound, the module it came from (checked)."""
    found = load.value.get("imports") if load.ok and isinstance(load.value, dict) else None
    names: dict[str, str] = {}
    for entry in found if isinstance(found, list) else []:
        if isinstance(entry, list) and len(entry) == 3 and isinstance(entry[2], list):
            for name in entry[2]:
                if isinstance(name, str) and name.isidentifier():
                    names.setdefault(name, shorten(str(entry[0]), 100))
    return names


def with_import_cause(failure: Failure, imports: dict[str, str]) -> Failure:
    """Returns `failure` with its true cause when it is a NameError for a name whose import failed."""
    found = _NAME_ERROR.match(failure.exception or "")
    if not found or found.group(1) not in imports:
        return failure
    cause = text(
        N_(
            "{name} is not defined because importing {module} failed when your file was loaded: {module} is "
            "not installed where the grader runs your code. Write this function with numpy and the standard library."
        ),
        name=found.group(1),
        module=imports[found.group(1)],
    )
    sentence = text(N_("{failure} {cause}"), failure=failure.text or failure.message, cause=cause)
    return dataclasses.replace(failure, message=sentence.render(), text=sentence)


_NAME_ERROR = re.compile(r"NameError: name '(\w+)' is not defined")


def _either(
    sentences: tuple[str, str], *, cell: int | None = None, place: tuple[int, int] | None = None, **values: Any
) -> Text:
    """Returns the first sentence with the cell (and line) filled in when they are known, else the second."""
    if place is not None:
        return text(sentences[0], cell=str(place[0]), line=str(place[1]), **values)
    if cell is not None:
        return text(sentences[0], cell=str(cell), **values)
    return text(sentences[1], **values)


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


# A notebook's load: its cells run one by one, each that raises reported in the output and skipped, so what
# is left is a limit, a crash, or what no cell could catch; with the cell (and line) when known, and without.
_NOTEBOOK_TIMEOUT = (
    N_(
        "running your notebook's cells took longer than {seconds} s (cell {cell} was running): move long work "
        "into functions, or remove it."
    ),
    N_("running your notebook's cells took longer than {seconds} s: move long work into functions, or remove it."),
)
_NOTEBOOK_CRASH = (
    N_(
        "the process running your notebook's cells stopped in cell {cell}: {how}. Calls such as os._exit() or a "
        "crash inside a library do this."
    ),
    N_(
        "the process running your notebook's cells stopped: {how}. Calls such as os._exit() or a crash inside a "
        "library do this."
    ),
)
_NOTEBOOK_MEMORY = (
    N_("running your notebook's cells needed more than {megabytes} MB of memory in cell {cell}, line {line}."),
    N_("running your notebook's cells needed more than {megabytes} MB of memory."),
)
_NOTEBOOK_RAISED = (
    N_("running your notebook's cells raised {exception} in cell {cell}, line {line}."),
    N_("running your notebook's cells raised {exception}."),
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


def failure_for(reply: Reply, call: Text, worker: Worker, positions: Positions | None = None) -> Failure:
    """Returns the student-facing Failure for a reply that carried no value (`positions`: as in load_status)."""
    return with_process_limit(_failure_for(reply, call, worker, positions))


def _failure_for(reply: Reply, call: Text, worker: Worker, positions: Positions | None) -> Failure:
    limits = worker.limits
    if reply.limit == WAITED:
        return Failure.of("limit", waited_in_call(call, limits), call=call)
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
    if reply.limit == "total_wall":
        sentence = text(
            N_("the wall-clock time for the whole submission ({seconds} s) was used up; {call} was not run."),
            seconds=f"{limits.total_wall_seconds:g}",
            call=call,
        )
        return Failure.of("limit", sentence, call=call)
    if reply.limit == "memory":
        sentence = text(
            N_("ran out of memory (the limit is {megabytes} MB) in {call}."), megabytes=str(limits.memory_mb), call=call
        )
        return Failure.of("limit", sentence, call=call, **_position(reply.error, positions))
    if reply.error is not None:
        exception = f"{reply.error.get('type', 'Exception')}: {reply.error.get('message', '')}".rstrip(": ")
        line = _get(reply.error, "line")
        if positions is not None:
            return _notebook_call_error(reply.error, call, exception, positions)
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
        missing = N_("your notebook defines no function named {name}.") if positions else _MISSING_IN_FILE
        sentence = text(missing, name=reply.missing)
        return Failure.of("missing", sentence, call=call, missing=reply.missing)
    sentence = text(N_("the worker running your code stopped during {call}: {how}."), call=call, how=str(reply.crash))
    return Failure.of("error", sentence, call=call, exception=reply.crash)


_MISSING_IN_FILE = N_("your file does not define a function named {name}.")


def _notebook_call_error(error: dict[str, Any], call: Text, exception: str, positions: Positions) -> Failure:
    """Returns failure_for's Failure for an exception raised in a notebook's code: its cell and line in it."""
    place = positions.of(_get(error, "line"))
    if place is None:
        sentence = text(N_("{call} raised {exception}."), call=call, exception=exception)
        return Failure.of("error", sentence, call=call, exception=exception)
    sentence = text(
        N_("{call} raised {exception} in cell {cell}, line {line} of your notebook."),
        call=call,
        exception=exception,
        cell=str(place[0]),
        line=str(place[1]),
    )
    return Failure.of("error", sentence, call=call, exception=exception, **_position(error, positions))


def _position(error: dict[str, Any] | None, positions: Positions | None) -> dict[str, Any]:
    """Returns the line, code and (for a notebook) cell of an error, as Failure details."""
    line, code = _get(error, "line"), _get(error, "code")
    if positions is None:
        return {"line": line, "code": code}
    place = positions.of(line)
    return {"cell": place[0], "line": place[1], "code": code} if place else {}


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
        return Failure.of("check", assertion_text(str(error).strip()), call=call)
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
