"""Returns the data of an assignment's report plots: each run called on the reference and the submission."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from grader.assignment import PlotPanel, PlotRun, PlotSpec
from grader.grading.proxy import RemoteSubmission, SubmissionCallFailed, describe_call
from grader.results import Panel, Plot, Series
from grader.text import N_, Text, text


def build_plot(spec: PlotSpec, reference: ModuleType, submission: RemoteSubmission | None) -> Plot:
    """Returns the plot with the reference's and (when it ran) the student's series per panel."""
    reference_runs = [_run_reference(run, reference) for run in spec.runs]
    student_runs: list[np.ndarray | None] = []
    notes: list[Text] = []
    for run in spec.runs:
        if submission is None:
            student_runs.append(None)
            continue
        try:
            student_runs.append(_as_table(_run_submission(run, submission)))
        except SubmissionCallFailed as failed:
            student_runs.append(None)
            problem = failed.failure.text or Text(failed.failure.message)
            notes.append(
                text(N_("{label}: {problem} Only the reference is drawn."), label=Text(run.label), problem=problem)
            )
        except ValueError as error:
            student_runs.append(None)
            call = describe_call(run.function, run.args, dict(run.kwargs), reference)
            notes.append(
                text(
                    N_("{label}: {call} returned {value}; only the reference is drawn."),
                    label=Text(run.label),
                    call=call,
                    value=str(error),
                )
            )
    panels = tuple(
        Panel(
            ylabel=panel.ylabel,
            yscale=panel.yscale,
            series=tuple(
                series
                for run, ref_values, student_values in zip(spec.runs, reference_runs, student_runs, strict=True)
                for series in _series(run, panel, ref_values, student_values)
            ),
        )
        for panel in spec.panels
    )
    return Plot(title=spec.title, description=spec.description, panels=panels, notes=tuple(notes), xlabel=spec.xlabel)


def _series(run: PlotRun, panel: PlotPanel, reference: np.ndarray, student: np.ndarray | None) -> list[Series]:
    series = []
    if student is not None and panel.column < student.shape[1]:
        series.append(Series(run.label, run.color, _column(student, panel), is_reference=False))
    series.append(Series(run.label, run.color, _column(reference, panel), is_reference=True))
    return series


def _column(table: np.ndarray, panel: PlotPanel) -> tuple[float, ...]:
    values = table[:, panel.column].astype(np.float64)
    if panel.transform == "abs":
        values = np.abs(values)
    elif panel.transform == "distance":
        with np.errstate(invalid="ignore", over="ignore"):
            values = np.abs(values - panel.about)
    return tuple(float(v) for v in values)


def _run_reference(run: PlotRun, reference: ModuleType) -> np.ndarray:
    def resolve(value: Any) -> Any:
        return getattr(reference, value[1:]) if _is_function_name(value) else value

    with np.errstate(all="ignore"):
        return _as_table(_call(getattr(reference, run.function), run, resolve))


def _run_submission(run: PlotRun, submission: RemoteSubmission) -> Any:
    def resolve(value: Any) -> Any:
        return submission.function(value[1:]) if _is_function_name(value) else value

    return _call(lambda *a, **k: submission.call(run.function, *a, **k), run, resolve)


def _call(function: Callable[..., Any], run: PlotRun, resolve: Callable[[Any], Any]) -> Any:
    return function(*(resolve(a) for a in run.args), **{k: resolve(v) for k, v in run.kwargs})


def _is_function_name(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@")


def _as_table(value: Any) -> np.ndarray:
    try:
        table = np.asarray(value, dtype=np.float64)
    except OverflowError:
        raise ValueError("a number too large for float64") from None
    except (TypeError, ValueError):
        raise ValueError("something that is not an array of numbers") from None
    if table.ndim != 2 or table.shape[0] == 0:
        raise ValueError(f"an array of shape {table.shape}, not one row per step")
    return table
