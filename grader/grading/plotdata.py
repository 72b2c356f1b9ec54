"""Returns the data of an assignment's report plots: each run called on the reference and the submission."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from grader.assignment import PlotPanel, PlotRun, PlotSpec
from grader.grading.background import background_field
from grader.grading.decimation import reduced_line, reduced_path
from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed, describe_call
from grader.results import Panel, Plot, Series
from grader.text import N_, Text, text


def build_plot(spec: PlotSpec, reference: ModuleType, submission: RemoteSubmission | None) -> Plot:
    """Returns the plot with the reference's and (when it ran) the student's series per panel."""
    return build_plots([spec], reference, submission)[0]


def build_plots(specs: Sequence[PlotSpec], reference: ModuleType, submission: RemoteSubmission | None) -> list[Plot]:
    """Returns each plot with the reference's and (when it ran) the student's series per panel.

    The student's runs of all the plots go to the worker as one batch of calls; a run that fails loses
    only its own line, as when each run is called alone: the runs after it go in a batch of their own.
    """
    runs = [run for spec in specs for run in spec.runs]
    outcomes = _student_outcomes(runs, submission) if submission is not None else [None] * len(runs)
    plots = []
    for spec in specs:
        own, outcomes = outcomes[: len(spec.runs)], outcomes[len(spec.runs) :]
        plots.append(_plot(spec, reference, own))
    return plots


class _Returned:
    """What one of the student's runs returned (None included)."""

    def __init__(self, value: Any):
        self.value = value


_Outcome = _Returned | SubmissionCallFailed | None
"""A student's run: its value, the failure of its call, or None when there is no submission to call."""


def _student_outcomes(runs: Sequence[PlotRun], submission: RemoteSubmission) -> list[_Outcome]:
    """Returns the outcome of each run called on the submission, in batches that a failed call ends."""

    def resolve(value: Any) -> Any:
        return submission.function(value[1:]) if _is_function_name(value) else value

    calls = [(run.function, [resolve(a) for a in run.args], {k: resolve(v) for k, v in run.kwargs}) for run in runs]
    outcomes: list[_Outcome] = []
    while len(outcomes) < len(calls):
        values, failed = submission.call_until_failure(calls[len(outcomes) :])
        outcomes += [_Returned(value) for value in values]
        if failed is not None:
            outcomes.append(failed)
    return outcomes


def _plot(spec: PlotSpec, reference: ModuleType, outcomes: Sequence[_Outcome]) -> Plot:
    """Returns one plot, the student's series drawn from the outcomes of its runs."""
    reference_runs = [_run_reference(run, reference) for run in spec.runs]
    student_runs: list[np.ndarray | None] = []
    notes: list[Text] = []
    for run, outcome in zip(spec.runs, outcomes, strict=True):
        table, note = _student_table(run, outcome, reference)
        student_runs.append(table)
        if note is not None:
            notes.append(note)
    panels = tuple(
        Panel(
            ylabel=panel.ylabel,
            yscale=panel.yscale,
            series=tuple(
                series
                for run, ref_values, student_values in zip(spec.runs, reference_runs, student_runs, strict=True)
                for series in _series(run, panel, ref_values, student_values)
            ),
            **_path_fields(panel, spec, reference),
        )
        for panel in spec.panels
    )
    return Plot(title=spec.title, description=spec.description, panels=panels, notes=tuple(notes), xlabel=spec.xlabel)


def _student_table(run: PlotRun, outcome: _Outcome, reference: ModuleType) -> tuple[np.ndarray | None, Text | None]:
    """Returns the student's table for a run, or None and (when the run failed) the plot's note saying why."""
    if outcome is None:
        return None, None
    if isinstance(outcome, SubmissionCallFailed):
        problem = outcome.failure.text or Text(outcome.failure.message)
        return None, text(N_("{label}: {problem} Only the reference is drawn."), label=Text(run.label), problem=problem)
    try:
        return _as_table(outcome.value), None
    except ValueError as error:
        call = describe_call(run.function, run.args, dict(run.kwargs), reference)
        note = text(
            N_("{label}: {call} returned {value}; only the reference is drawn."),
            label=Text(run.label),
            call=call,
            value=str(error),
        )
        return None, note


def _series(run: PlotRun, panel: PlotPanel, reference: np.ndarray, student: np.ndarray | None) -> list[Series]:
    """Returns the run's series in a panel: the student's and the reference's, each when its table has the
    panel's columns (`grader validate` names a column the reference's table lacks)."""
    draw = _path if panel.kind == "path" else _line
    return [
        draw(run, panel, table, is_reference=is_reference)
        for table, is_reference in ((student, False), (reference, True))
        if table is not None and _has_columns(panel, table)
    ]


def _has_columns(panel: PlotPanel, table: np.ndarray) -> bool:
    columns = [panel.column, *([panel.xcolumn] if panel.kind == "path" and panel.xcolumn is not None else [])]
    return all(-table.shape[1] <= column < table.shape[1] for column in columns)


def _path(run: PlotRun, panel: PlotPanel, table: np.ndarray, *, is_reference: bool) -> Series:
    """Returns a run's path (column `xcolumn` against `column`), reduced as a line is (decimation.py)."""

    def reader(column: int) -> Callable[[int, int], np.ndarray]:
        return lambda start, stop: table[start:stop, column].astype(np.float64)

    xcolumn = panel.xcolumn if panel.xcolumn is not None else 0
    steps, xs, ys = reduced_path(reader(xcolumn), reader(panel.column), table.shape[0])
    return Series(run.label, run.color, ys, is_reference, steps, xs=xs)


def _path_fields(panel: PlotPanel, spec: PlotSpec, reference: ModuleType) -> dict[str, Any]:
    """Returns what a path panel adds to a Panel: its kind, its x label and its background."""
    if panel.kind != "path":
        return {}
    background = background_field(panel, reference) if panel.background else None
    return {"kind": "path", "xlabel": panel.xlabel or spec.xlabel, "background": background}


def _line(run: PlotRun, panel: PlotPanel, table: np.ndarray, *, is_reference: bool) -> Series:
    """Returns one column of a run's table as a series, reduced to what a plot shows (decimation.py) before
    anything else holds it: a run's length costs the trusted side nothing after this."""

    def read(start: int, stop: int) -> np.ndarray:
        values = table[start:stop, panel.column].astype(np.float64)
        if panel.transform == "abs":
            values = np.abs(values)
        elif panel.transform == "distance":
            with np.errstate(invalid="ignore", over="ignore"):
                values = np.abs(values - panel.about)
        return values

    steps, values = reduced_line(read, table.shape[0], log=panel.yscale == "log")
    return Series(run.label, run.color, values, is_reference, steps)


def _run_reference(run: PlotRun, reference: ModuleType) -> np.ndarray:
    def resolve(value: Any) -> Any:
        return getattr(reference, value[1:]) if _is_function_name(value) else value

    with np.errstate(all="ignore"):
        return _as_table(_call(getattr(reference, run.function), run, resolve))


def _call(function: Callable[..., Any], run: PlotRun, resolve: Callable[[Any], Any]) -> Any:
    return function(*(resolve(a) for a in run.args), **{k: resolve(v) for k, v in run.kwargs})


def _is_function_name(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@")


def _as_table(value: Any) -> np.ndarray:
    """Returns a run's value as a 2-d table; a numeric array as it came (its columns are converted to float64
    chunk by chunk as they are read, see _line), anything else converted to float64."""
    if type(value) is np.ndarray and value.dtype.kind in "biuf":
        if value.ndim != 2 or value.shape[0] == 0:
            raise ValueError(f"an array of shape {value.shape}, not one row per step")
        return value
    try:
        table = np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise ValueError("a number too large for float64") from None
    except (TypeError, ValueError):
        raise ValueError("something that is not an array of numbers") from None
    if table.ndim != 2 or table.shape[0] == 0:
        raise ValueError(f"an array of shape {table.shape}, not one row per step")
    return table
