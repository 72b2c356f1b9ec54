"""Batches of calls: one request to the worker, the replies separate calls get, each call under its own limits."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from grader.assignment import PlotPanel, PlotRun, PlotSpec
from grader.authoring import describe_last_call
from grader.grading.plotdata import build_plot, build_plots
from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed
from grader.grading.replay import recording
from grader.sandbox import protocol
from grader.sandbox.client import Reply, Worker
from grader.sandbox.isolation import choose_isolation
from grader.sandbox.launchers import ForkServerLauncher
from grader.sandbox.limits import Limits

LIMITS = Limits(call_seconds=1, total_seconds=5, memory_mb=400, output_kb=4)

KEEPS_WHAT_IT_WAS_CALLED_WITH = """\
import os
import stat
import struct
import threading
import time
import warnings

import numpy as np

seen = []


def record(x):
    seen.append(x)
    print("record", x)
    if x == "raise":
        raise ValueError("cannot record " + x)
    if x == "object":
        return object()
    if x == "warn":
        warnings.warn("careful with " + x, RuntimeWarning)
    if x == "note":
        __grader_progress__("noted")
    return [x, np.arange(3.0) * len(seen)]


def seen_so_far():
    return seen


def spin():
    while True:
        pass


def burn(seconds, padding=""):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass
    return seconds


def apply(rule, x):
    return [rule(x, 1), rule(x, epoch=2)]


def steps(n):
    if n == 0:
        raise ZeroDivisionError("no steps")
    return [[float(i), 2.0 * i] for i in range(n)]


def forge(body):
    for fd in range(3, 64):
        try:
            if stat.S_ISSOCK(os.fstat(fd).st_mode):
                os.write(fd, struct.pack(">I", len(body)) + body.encode())
                return "forged"
        except OSError:
            continue


def burn_in_background(seconds):
    def busy():
        while time.thread_time() < seconds:
            pass

    threading.Thread(target=busy, daemon=True).start()
    return True
"""


@pytest.fixture(scope="module")
def launcher():
    launcher = ForkServerLauncher(choose_isolation("strongest"))
    yield launcher
    launcher.close()


@pytest.fixture
def submission_file(tmp_path: Path) -> Path:
    path = tmp_path / "submission.py"
    path.write_text(KEEPS_WHAT_IT_WAS_CALLED_WITH)
    return path


def record(x):
    return ("record", [protocol.encode(x)], [])


def seen(worker: Worker) -> list:
    reply = worker.call("seen_so_far", [], [])
    assert reply.ok, reply
    return protocol.decode(reply.value)


def as_data(replies: list[Reply]) -> list[tuple]:
    """Returns what a reply says about its call: everything but the time it took."""
    fields = ("ok", "value", "scripted", "error", "bad_value", "missing", "limit", "crash", "progress", "warnings")
    return [tuple(getattr(reply, name) for name in fields) for reply in replies]


def one_by_one(worker: Worker, requests: list) -> list[Reply]:
    """Returns the replies a loop of separate calls gets, stopping at the first that fails."""
    replies = []
    for request in requests:
        replies.append(worker.call(*request))
        if not replies[-1].ok:
            break
    return replies


def in_worker(path: Path, launcher, action, limits: Limits = LIMITS):
    """Returns what `action` returns on a freshly loaded worker, and the worker after it.

    One worker at a time: stopping a worker sweeps every process of its user, another worker's too.
    """
    with Worker(path, "sub.py", limits, launcher) as worker:
        assert worker.load().ok
        return action(worker), worker


def test_a_batch_gets_the_replies_separate_calls_get(launcher, submission_file):
    requests = [record(1), record("warn"), record("note"), record(2.5), ("seen_so_far", [], [])]

    def replies_and_output(calls):
        def action(worker):
            replies = calls(worker)
            time.sleep(0.1)  # what the calls printed reaches the output
            return replies, worker.output, worker.warnings

        return in_worker(submission_file, launcher, action)[0]

    replies, output, warnings = replies_and_output(lambda worker: worker.calls(requests))
    expected = replies_and_output(lambda worker: one_by_one(worker, requests))
    assert (as_data(replies), output, warnings) == (as_data(expected[0]), *expected[1:])
    assert len(replies) == len(requests) and replies[2].progress == "noted"
    assert "RuntimeWarning: careful with warn" in warnings[0] and output.count("record") == 4


@pytest.mark.parametrize(
    ("failing", "field"),
    [(record("raise"), "error"), (record("object"), "bad_value"), (("no_such_function", [], []), "missing")],
    ids=["raises", "returns an object", "names no function"],
)
def test_a_failing_call_ends_the_batch_and_the_calls_after_it_never_run(launcher, submission_file, failing, field):
    requests = [record(1), failing, record(3)]
    (replies, ran), _ = in_worker(submission_file, launcher, lambda worker: (worker.calls(requests), seen(worker)))
    (expected, ran_alone), _ = in_worker(
        submission_file, launcher, lambda worker: (one_by_one(worker, requests), seen(worker))
    )
    assert as_data(replies) == as_data(expected) and ran == ran_alone
    assert len(replies) == 2 and replies[0].ok and getattr(replies[1], field) is not None
    assert 3 not in ran  # the worker never ran record(3)


@pytest.mark.parametrize("body", ["not json", '{"ok": true, "value": [' * 60 + "]}" * 60])
def test_a_reply_the_grader_refuses_ends_the_batch_as_it_ends_a_single_call(launcher, submission_file, body):
    requests = [record(1), ("forge", [body], []), record(3)]
    replies, worker = in_worker(submission_file, launcher, lambda worker: worker.calls(requests))
    expected, _ = in_worker(submission_file, launcher, lambda worker: one_by_one(worker, requests))
    assert as_data(replies) == as_data(expected) and len(replies) == 2
    assert "does not accept" in replies[1].crash and worker._process is None


@pytest.mark.slow
def test_a_call_that_hangs_in_a_batch_hits_the_time_limit_on_that_call(launcher, submission_file):
    with Worker(submission_file, "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
        started = time.monotonic()
        replies = worker.calls([record(1), record(2), ("spin", [], []), record(4)])
        assert time.monotonic() - started < LIMITS.wall_seconds + 1  # the backstop, however busy the machine
        assert [reply.ok for reply in replies] == [True, True, False] and replies[2].limit == "time"
        assert protocol.decode(replies[1].value)[0] == 2  # the results before the hang are kept
        assert worker._process is None  # stopped, as after a single call that hangs
        assert LIMITS.call_seconds <= worker.seconds_used < LIMITS.call_seconds + 0.5
        assert seen(worker) == []  # a fresh worker answers the next call; record(4) never ran anywhere


@pytest.mark.slow
def test_each_call_of_a_batch_has_its_own_time_limit_and_the_total_runs_out_on_the_same_call(launcher, submission_file):
    limits = Limits(call_seconds=1, total_seconds=1.5, memory_mb=400, output_kb=1)
    requests = [("burn", [0.4], [])] * 5
    replies, _ = in_worker(submission_file, launcher, lambda worker: worker.calls(requests), limits)
    expected, _ = in_worker(submission_file, launcher, lambda worker: one_by_one(worker, requests), limits)
    # Three calls of 0.4 s pass the 1 s limit of a call together, not alone; the fourth finds 0.3 s left.
    assert [(r.ok, r.limit) for r in replies] == [(r.ok, r.limit) for r in expected]
    assert [(r.ok, r.limit) for r in replies] == [(True, None)] * 3 + [(False, "total_time")]


def test_a_batch_over_the_message_budget_goes_in_smaller_batches(launcher, submission_file, monkeypatch):
    sent = []
    dumps = protocol.dumps

    def counted(message):
        frame = dumps(message)
        sent.append(len(message.get("calls", [message])))
        return frame

    requests = [("burn", [0.0], [["padding", "x" * 40]])] * 4
    with Worker(submission_file, "sub.py", LIMITS, launcher) as worker:
        assert worker.load().ok
        monkeypatch.setattr(protocol, "MAX_MESSAGE_BYTES", len(dumps({"op": "calls", "calls": [{}] * 2})) + 200)
        monkeypatch.setattr(protocol, "dumps", counted)
        with pytest.raises(protocol.UnsupportedValue):
            worker.call("burn", ["x" * 300], [])  # one call over the budget is refused, as before
        replies = worker.calls(requests)
    assert [reply.value for reply in replies] == [0.0] * 4 and sent == [2, 2]


def test_a_batch_on_a_worker_that_cannot_load_gets_the_loads_reply(launcher, tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("def f(:\n")
    with Worker(broken, "sub.py", LIMITS, launcher) as worker:
        (reply,) = worker.calls([("f", [], []), ("f", [], [])])
    assert not reply.ok and reply.error is not None and reply.error["type"] == "SyntaxError"


@pytest.mark.slow
def test_cpu_that_a_background_thread_burns_between_calls_counts_toward_the_total(launcher, submission_file):
    limits = Limits(call_seconds=1, total_seconds=1, memory_mb=400, output_kb=1)
    with Worker(submission_file, "sub.py", limits, launcher) as worker:
        assert worker.load().ok
        assert worker.call("burn_in_background", [1.5], []).ok
        for _ in range(100):  # short calls, far apart: the thread burns its CPU between them
            time.sleep(0.05)
            reply = worker.call("seen_so_far", [], [])
            if not reply.ok:
                break
        assert reply.limit == "total_time" and worker.seconds_used >= limits.total_seconds


# -- the proxy: what hidden tests, diagnoses and plots call --------------------------------------------------


def test_call_each_gives_what_a_loop_of_calls_gives(launcher, submission_file):
    arguments = [(1,), (2.5,), ("warn",)]

    def made(calls):
        def action(worker):
            with recording() as recorded:
                values = calls(RemoteSubmission(worker))
            return values, recorded, describe_last_call()

        return in_worker(submission_file, launcher, action)[0]

    values, recorded, last = made(lambda submission: submission.call_each("record", arguments))
    expected, recorded_alone, last_alone = made(lambda submission: [submission.record(*a) for a in arguments])
    assert [v[0] for v in values] == [v[0] for v in expected]
    for value, wanted in zip(values, expected, strict=True):
        np.testing.assert_array_equal(value[1], wanted[1])
        assert value[1].dtype == wanted[1].dtype
    assert recorded == recorded_alone and len(recorded) == 3
    assert last == last_alone and last.render() == "record('warn')"


def test_call_each_raises_what_the_failing_call_raises_naming_it(launcher, submission_file):
    arguments = [(1,), ("raise",), (3,)]

    def failure(calls):
        def action(worker):
            with pytest.raises(SubmissionCallFailed) as failed:
                calls(RemoteSubmission(worker))
            return failed.value, seen(worker)

        return in_worker(submission_file, launcher, action)[0]

    failed, seen_batched = failure(lambda submission: submission.call_each("record", arguments))
    expected, seen_alone = failure(lambda submission: [submission.record(*a) for a in arguments])
    assert failed.failure == expected.failure and str(failed) == str(expected)
    assert failed.failure.message.startswith("record('raise') raised ValueError: cannot record raise at line")
    assert seen_batched == seen_alone == [1, "raise"]


def test_call_each_with_a_stand_in_records_the_calls_of_its_last_call(launcher, submission_file):
    def applied(calls):
        def action(worker):
            submission = RemoteSubmission(worker)
            rule = submission.scripted([0.5, 0.25])
            return calls(submission, rule), rule.calls

        return in_worker(submission_file, launcher, action)[0]

    values, calls = applied(lambda submission, rule: submission.call_each("apply", [(rule, 1.0), (rule, 2.0)]))
    expected, calls_alone = applied(lambda submission, rule: [submission.apply(rule, 1.0), submission.apply(rule, 2.0)])
    assert values == expected == [[0.5, 0.25], [0.5, 0.25]]
    assert calls == calls_alone == [((2.0, 1), {}), ((2.0,), {"epoch": 2})]


def test_call_each_with_an_argument_that_is_not_plain_data_runs_the_calls_before_it(launcher, submission_file):
    with Worker(submission_file, "sub.py", LIMITS, launcher) as worker:
        submission = RemoteSubmission(worker)
        with pytest.raises(protocol.UnsupportedValue):
            submission.call_each("record", [(1,), (object(),), (3,)])
        assert describe_last_call().render() == "record(<object>)"  # as a loop: the call that could not be sent
        assert seen(worker) == [1]


def test_call_each_keyword_arguments_go_to_every_call(launcher, submission_file):
    with Worker(submission_file, "sub.py", LIMITS, launcher) as worker:
        submission = RemoteSubmission(worker)
        assert submission.call_each("burn", [(), ()], {"seconds": 0.0}) == [0.0, 0.0]
        assert submission.call_each("burn", []) == []


def steps_plot(*counts: int) -> PlotSpec:
    runs = tuple(PlotRun(f"{n} steps", "tab:blue", "steps", (n,), ()) for n in counts)
    panel = PlotPanel(ylabel="value", column=1, transform="identity", about=0.0, yscale="linear")
    return PlotSpec(title="Steps", description="", runs=runs, panels=(panel,))


class Reference:
    @staticmethod
    def steps(n):
        return [[float(i), 2.0 * i] for i in range(max(n, 1))]


def test_a_plot_run_that_fails_loses_only_its_own_line(launcher, submission_file):
    requests = []
    with Worker(submission_file, "sub.py", LIMITS, launcher) as worker:
        calls = worker.calls
        worker.calls = lambda batch: requests.append(len(batch)) or calls(batch)  # type: ignore[method-assign]
        first, second = build_plots([steps_plot(3, 0, 2), steps_plot(4)], Reference, RemoteSubmission(worker))
    assert requests == [4, 2]  # one batch for all the plots' runs; the runs after the failed one in another
    students = [s.label for s in first.panels[0].series if not s.is_reference]
    assert students == ["3 steps", "2 steps"] and len(first.panels[0].series) == 5
    (note,) = first.notes
    assert note.render().startswith("0 steps: steps(0) raised ZeroDivisionError: no steps")
    assert [s.values for s in second.panels[0].series] == [(0.0, 2.0, 4.0, 6.0)] * 2
    assert build_plot(steps_plot(2), Reference, None).notes == ()
