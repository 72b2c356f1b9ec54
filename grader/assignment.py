"""Returns an Assignment read from its folder's assignment.toml, or a GraderError naming what is wrong."""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import math
import sys
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from grader.choice import fitting, marked_assignment
from grader.errors import GraderError
from grader.results import DEFAULT_XLABEL
from grader.sandbox.limits import Limits
from grader.schema import ASSIGNMENT_TOML, DEFAULT_GRID, DEFAULT_LEVELS, DEFAULT_SUBMISSION_KB
from grader.settings import problems, read_settings

CONFIG_NAME = "assignment.toml"
DIAGNOSES_NAME = "diagnoses.py"
MUTANTS_NAME = "mutants.py"


@dataclass(frozen=True)
class PlotRun:
    """One run drawn in a plot: a call made on the reference and on the submission alike."""

    label: str
    color: str
    function: str
    args: tuple[Any, ...]
    kwargs: tuple[tuple[str, Any], ...]
    """Values "@name" stand for the function `name` of whichever module is called."""


@dataclass(frozen=True)
class PlotPanel:
    """One axes: a column of each run's 2-D result, one point per row (step)."""

    ylabel: str
    column: int
    transform: str
    about: float
    yscale: str
    kind: str = "series"
    """"series": `column` against the row; "path": `column` against `xcolumn`."""
    xcolumn: int | None = None
    xlabel: str | None = None
    background: str | None = None
    """A path's background: the name of a function f(x, y) of the reference."""
    xrange: tuple[float, float] | None = None
    yrange: tuple[float, float] | None = None
    grid: int = DEFAULT_GRID
    levels: int = DEFAULT_LEVELS


@dataclass(frozen=True)
class PlotSpec:
    """A figure every report shows, as the instructor described it."""

    title: str
    description: str
    runs: tuple[PlotRun, ...]
    panels: tuple[PlotPanel, ...]
    xlabel: str = DEFAULT_XLABEL
    """What a row of a run's result is, in the assignment's words (e.g. "iteration"): the x axis's label."""


@dataclass(frozen=True)
class LatePolicy:
    """What late work costs (`[late]` in assignment.toml); nothing unless the assignment says so."""

    percent_per_day: float = 0.0
    """Percent of the score taken per day late, each day begun counting whole."""
    max_percent: float = 100.0
    """The most a late submission loses, in percent: the cap."""
    due: datetime | None = None
    """When work is due (a TOML date-time with its offset): makes a submission time an LMS records
    (Gradescope's) into lateness and days late. Without it, only an LMS's own late marker counts."""

    def is_late(self, late_marker: bool, submitted_at: datetime | None) -> bool:
        """Returns whether a submission is late: the LMS's marker, or its time past `due`."""
        return late_marker or (self.due is not None and submitted_at is not None and submitted_at > self.due)

    def penalty_percent(self, late: bool, submitted_at: datetime | None) -> float:
        """Returns the percent a late submission loses: per day begun past `due`, one day when the LMS
        marks it late without saying when it came (Canvas), at most `max_percent`; 0 when on time."""
        if not late or not self.percent_per_day:
            return 0.0
        days = 1
        if self.due is not None and submitted_at is not None and submitted_at > self.due:
            days = math.ceil((submitted_at - self.due) / timedelta(days=1))
        return min(self.max_percent, self.percent_per_day * days)


@dataclass(frozen=True)
class Assignment:
    """An assignment folder and its settings."""

    name: str
    root: Path
    title: str
    submission_file: str
    """The one file a student submits, e.g. "solution.py"; the worker always loads it under this name."""
    points: float
    seed: int
    limits: Limits
    reference_file: Path
    plots: tuple[PlotSpec, ...]
    digest: str
    """Hash of everything that decides a result (settings, tests, reference, diagnoses, catalogs): a
    change means regrading."""
    diagnoses_file: Path | None = None
    """diagnoses.py beside assignment.toml, when the assignment names mistakes (see grader.grading.diagnosis)."""
    mutants_file: Path | None = None
    """mutants.py beside it: the models that prove each named mistake (see grader.grading.models)."""
    submission_kb: int = DEFAULT_SUBMISSION_KB
    """A .py submission larger than this is not read at all (`submission_kb` under [limits])."""
    secret: str = ""
    """The course's secret (`secret` under [assignment]), mixed into each submission's seeded inputs;
    never in the student bundle."""
    late: LatePolicy = LatePolicy()
    """What late work costs: nothing unless `[late]` says so."""
    packages: tuple[str, ...] = ()
    """What its code imports beyond NumPy, as pip names (`packages` under [assignment])."""
    languages: tuple[str, ...] = ("en",)
    """The report languages it ships catalogs for (`languages` under [assignment])."""

    def with_late_penalty(self, percent_per_day: float | None) -> Assignment:
        """Returns this assignment with `percent_per_day` (the command line's --late-penalty) in place of
        assignment.toml's, and a digest of its own: results graded with another penalty are graded again and
        never merged with these. None: unchanged."""
        if percent_per_day is None:
            return self
        digest = hashlib.sha256(f"{self.digest}\0late-penalty={percent_per_day!r}".encode()).hexdigest()
        late = dataclasses.replace(self.late, percent_per_day=float(percent_per_day))
        return dataclasses.replace(self, late=late, digest=digest)

    @property
    def hidden_tests(self) -> Path:
        return self.root / "tests" / "hidden"

    @property
    def public_tests(self) -> Path:
        return self.root / "tests" / "public"

    @property
    def starter(self) -> Path:
        return self.root / "starter" / self.submission_file

    @property
    def examples(self) -> Path:
        return self.root / "examples"

    @property
    def locale(self) -> Path:
        """The folder of the assignment's gettext catalogs (hints, plot texts, diagnoses)."""
        return self.root / "locale"


def assignments_home() -> Path:
    """Returns the folder that holds assignments: ./assignments if there is one, else the project's."""
    here = Path.cwd() / "assignments"
    return here if here.is_dir() else Path(__file__).resolve().parent.parent / "assignments"


def find_assignment(name_or_path: str | None, home: Path | None = None, near: Iterable[Path] = ()) -> Assignment:
    """Returns the assignment named (or at the path) given; without one, the only one under `home`, or
    the one whose folder holds every path in `near` (the submissions)."""
    return load_assignment(assignment_folder(name_or_path, home, near))


def assignment_folder(name_or_path: str | None, home: Path | None = None, near: Iterable[Path] = ()) -> Path:
    """Returns the folder of the assignment named (or at the path) given, chosen as find_assignment does,
    without reading its settings."""
    home = home or assignments_home()
    if name_or_path is None:
        every = sorted(p.parent for p in home.glob(f"*/{CONFIG_NAME}")) if home.is_dir() else []
        found = _chosen(every, [Path(path).resolve() for path in near]) if len(every) > 1 and near else every
        if len(found) != 1:
            names = ", ".join(p.name for p in found) or "none"
            fit = f"{len(found)} of the {len(every)} under {home} fit" if found != every else ""
            raise GraderError(
                f"cannot choose an assignment: {fit or f'{home} holds {len(found)}'} ({names})",
                "name one with -a NAME or -a PATH",
            )
        return found[0]
    candidate = Path(name_or_path)
    for folder in (candidate, home / name_or_path):
        if (folder / CONFIG_NAME).is_file():
            return folder
    known = ", ".join(sorted(p.parent.name for p in home.glob(f"*/{CONFIG_NAME}"))) or "none"
    raise GraderError(
        f"unknown assignment {name_or_path!r} (no {CONFIG_NAME} there or under {home}; known: {known})",
        "pass -a with an assignment name or the path of a folder holding assignment.toml",
    )


def _chosen(found: list[Path], paths: list[Path]) -> list[Path]:
    """Returns the assignment folders that fit the submissions: the one holding them all, the one their
    released bundle records, else, for one Python file, those whose starter functions it all defines."""
    holding = [folder for folder in found if all(path.is_relative_to(folder.resolve()) for path in paths)]
    if len(holding) == 1:
        return holding
    marked = marked_assignment(paths)
    if marked is not None and any(folder.name == marked for folder in found):
        return [folder for folder in found if folder.name == marked]
    if len(paths) != 1 or not paths[0].is_file():
        return found
    starters = {}
    for folder in found:
        try:
            assignment = load_assignment(folder)
        except GraderError:
            continue
        starters[folder.name] = assignment.starter
    fits = fitting(paths[0], starters)
    return [folder for folder in found if folder.name in fits] if fits else found


def load_assignment(folder: Path) -> Assignment:
    """Returns the assignment in `folder`, its assignment.toml checked against the declaration (grader.schema)."""
    folder = folder.resolve()
    config_path = folder / CONFIG_NAME
    settings = read_settings(ASSIGNMENT_TOML, _parsed(config_path), str(_shown_path(config_path)))
    about, limits, late = settings["assignment"], settings["limits"], settings["late"]
    name = folder.name
    submission_file = about["submission"]
    reference_file = _reference_file(folder, about)
    missing = _missing_reference(folder, reference_file)
    if missing is not None:
        raise missing
    diagnoses_file = folder / DIAGNOSES_NAME
    return Assignment(
        name=name,
        root=folder,
        title=about["title"],
        submission_file=submission_file,
        points=float(about["points"]),
        seed=about["seed"],
        limits=Limits(
            call_seconds=float(limits["call_seconds"]),
            total_seconds=float(limits["total_seconds"]),
            memory_mb=limits["memory_mb"],
            output_kb=limits["output_kb"],
        ),
        reference_file=reference_file,
        plots=tuple(_plot(spec) for spec in settings["plots"]),
        digest=_digest(
            [
                config_path,
                reference_file,
                *sorted((folder / "tests").rglob("*.py")),
                *([diagnoses_file] if diagnoses_file.is_file() else []),
                *([folder / MUTANTS_NAME] if (folder / MUTANTS_NAME).is_file() else []),
                *sorted((folder / "locale").rglob("*.po")),
            ]
        ),
        diagnoses_file=diagnoses_file if diagnoses_file.is_file() else None,
        mutants_file=folder / MUTANTS_NAME if (folder / MUTANTS_NAME).is_file() else None,
        submission_kb=limits["submission_kb"],
        secret=about["secret"],
        late=LatePolicy(float(late["percent_per_day"]), float(late["max_percent"]), late["due"]),
        packages=tuple(about["packages"]),
        languages=tuple(dict.fromkeys(["en", *about["languages"]])),
    )


def load_problems(folder: Path) -> list[GraderError]:
    """Returns every problem that stops `folder`'s assignment from loading, where load_assignment raises
    only the first: each way its assignment.toml breaks the declaration, then a missing reference."""
    folder = folder.resolve()
    config_path = folder / CONFIG_NAME
    try:
        config = _parsed(config_path)
    except GraderError as error:
        return [error]
    found = problems(ASSIGNMENT_TOML, config, str(_shown_path(config_path)))
    about = config.get("assignment")
    if isinstance(about, dict) and isinstance(about.get("submission"), str):
        if isinstance(about.get("reference", ""), str):
            missing = _missing_reference(folder, _reference_file(folder, about))
            found += [missing] if missing is not None else []
    return found


def _parsed(config_path: Path) -> dict[str, Any]:
    """Returns assignment.toml parsed, or raises a GraderError when it is missing or is no TOML."""
    shown = _shown_path(config_path)
    try:
        return tomllib.loads(config_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GraderError(f"{shown} does not exist", "point -a at an assignment folder") from None
    except tomllib.TOMLDecodeError as error:
        raise GraderError(f"{shown} is not valid TOML ({error})", "fix the file and run again") from None


def _reference_file(folder: Path, about: dict[str, Any]) -> Path:
    """Returns where the reference is: `reference` under [assignment], else reference/NAME/<submission>."""
    if about.get("reference"):
        return (folder / about["reference"]).resolve()
    return folder.parent.parent / "reference" / folder.name / about["submission"]


def _missing_reference(folder: Path, reference_file: Path) -> GraderError | None:
    if reference_file.is_file():
        return None
    return GraderError(
        f"the reference for {folder.name} is missing: {reference_file} does not exist",
        f'add it, or set reference = "PATH" under [assignment] in {_shown_path(folder / CONFIG_NAME)}',
    )


def _shown_path(path: Path) -> Path:
    """Returns `path` as messages show it: relative to the working folder when it is under it."""
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path


def _digest(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@cache
def load_reference(path: Path) -> ModuleType:
    """Returns the reference module, imported once per process under a name no test can clash with."""
    return import_trusted(path, "reference")


def import_trusted(path: Path, kind: str) -> ModuleType:
    """Returns the module at `path`, an assignment's own trusted code, under a name no test can clash with.

    Only for files the instructor wrote (reference, diagnoses): a submission is never imported here.
    """
    module_name = f"_grader_{kind}_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise GraderError(f"cannot import the {kind} {path}", "check that it is a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def _plot(spec: dict[str, Any]) -> PlotSpec:
    """Returns the figure a checked [[plots]] entry describes."""
    return PlotSpec(
        title=spec["title"],
        description=spec["description"],
        runs=tuple(
            PlotRun(
                label=run["label"],
                color=run["color"],
                function=run["function"],
                args=tuple(run["args"]),
                kwargs=tuple(sorted(run["kwargs"].items())),
            )
            for run in spec["runs"]
        ),
        panels=tuple(
            PlotPanel(
                ylabel=panel["ylabel"],
                column=panel["column"],
                transform=panel["transform"],
                about=float(panel["about"]),
                yscale=panel["yscale"],
                kind=panel["kind"],
                xcolumn=panel["xcolumn"],
                xlabel=panel["xlabel"],
                background=panel["background"],
                xrange=_range(panel["xrange"]),
                yrange=_range(panel["yrange"]),
                grid=panel["grid"],
                levels=panel["levels"],
            )
            for panel in spec["panels"]
        ),
        xlabel=spec["xlabel"],
    )


def _range(value: list[float] | None) -> tuple[float, float] | None:
    return None if value is None else (float(value[0]), float(value[1]))
