"""The declaration of assignment.toml: every table and key the loader reads, with its type, default and
meaning. A file may hold nothing else (grader.settings checks it); docs/authoring.md's table of keys is
rendered from here."""

from __future__ import annotations

from grader.results import DEFAULT_XLABEL
from grader.settings import (
    ARRAY,
    GRID_SIZE,
    INLINE_TABLE,
    INTEGER,
    NUMBER,
    PERCENT,
    POSITIVE_INTEGER,
    POSITIVE_NUMBER,
    RANGE,
    REQUIRED,
    STRING,
    STRINGS,
    ZONED_DATETIME,
    Key,
    Table,
    one_of,
)

DEFAULT_SUBMISSION_KB = 1024
"""A megabyte of Python is far more than any exercise's answer; beyond it a file is not read."""
TRANSFORMS = ("identity", "abs", "distance")
YSCALES = ("linear", "log")
PANEL_KINDS = ("series", "path")
DEFAULT_GRID = 101
DEFAULT_LEVELS = 20
DEFAULT_LANGUAGES = ("en",)

ASSIGNMENT_TOML = Table(
    "",
    "docs/authoring.md lists every key",
    tables=(
        Table(
            "assignment",
            "What the assignment is and what it is worth.",
            required=True,
            keys=(
                Key("title", STRING, REQUIRED, "The assignment's name, as reports show it."),
                Key("submission", STRING, REQUIRED, 'The one file a student submits, e.g. "solution.py".'),
                Key("points", POSITIVE_NUMBER, REQUIRED, "The full score: the sum of the hidden tests' points."),
                Key("seed", POSITIVE_INTEGER, REQUIRED, "Seeds the `rng` fixture, with each submission's own bytes."),
                Key(
                    "reference",
                    STRING,
                    None,
                    "The reference solution's path, relative to assignment.toml.",
                    shown_default="`reference/NAME/<submission>`",
                ),
                Key("secret", STRING, "", "Mixed into every submission's seeded inputs; never released to students."),
                Key(
                    "packages",
                    STRINGS,
                    [],
                    "What the reference and students' code import beyond NumPy, as pip names: the Gradescope "
                    "requirements; `grader validate` says when one is not installed.",
                ),
                Key(
                    "languages",
                    STRINGS,
                    list(DEFAULT_LANGUAGES),
                    'The report languages it ships catalogs for, e.g. ["en", "vi"]; English is always one.',
                    shown_default='`["en"]`',
                ),
            ),
        ),
        Table(
            "limits",
            "What one submission's worker may use.",
            required=True,
            keys=(
                Key(
                    "call_seconds",
                    POSITIVE_NUMBER,
                    REQUIRED,
                    "CPU seconds for loading the file and for each call into it (sleeps: 4x on the wall clock).",
                ),
                Key("total_seconds", POSITIVE_NUMBER, REQUIRED, "CPU seconds for all calls of one submission."),
                Key("memory_mb", POSITIVE_INTEGER, REQUIRED, "Address-space limit of each of the worker's processes."),
                Key("output_kb", POSITIVE_INTEGER, REQUIRED, "What the student's code prints is kept up to this size."),
                Key(
                    "submission_kb",
                    POSITIVE_INTEGER,
                    DEFAULT_SUBMISSION_KB,
                    "A .py submission larger than this is not read (syntax_error).",
                ),
            ),
        ),
        Table(
            "late",
            "What late work costs; without this table, nothing.",
            keys=(
                Key("percent_per_day", PERCENT, 0.0, "Percent of the score taken per day late, each day begun whole."),
                Key("max_percent", PERCENT, 100.0, "The most a late submission loses, in percent."),
                Key(
                    "due",
                    ZONED_DATETIME,
                    None,
                    "When work is due: makes the time an LMS records into days late. Without it, only the LMS's "
                    "own late marker counts (one day).",
                ),
            ),
        ),
        Table(
            "plots",
            "A figure every report shows: the student's runs against the reference's.",
            array=True,
            keys=(
                Key("title", STRING, REQUIRED, "The figure's title."),
                Key("description", STRING, REQUIRED, "Its text alternative: what it shows and what to look for."),
                Key("xlabel", STRING, DEFAULT_XLABEL, "What one row of a run's result is: the x axis's label."),
            ),
            tables=(
                Table(
                    "plots.runs",
                    "One call, made on the submission (solid line) and on the reference (dashed), in every panel.",
                    array=True,
                    required=True,
                    keys=(
                        Key("label", STRING, REQUIRED, "The run's name in the legend."),
                        Key("color", STRING, REQUIRED, 'A matplotlib color, e.g. "tab:blue".'),
                        Key("function", STRING, REQUIRED, "The function called; it returns a 2-D array."),
                        Key("args", ARRAY, REQUIRED, "Its positional arguments, plain data."),
                        Key(
                            "kwargs",
                            INLINE_TABLE,
                            {},
                            'Its keyword arguments; "@name" passes the called module\'s own function `name`.',
                        ),
                    ),
                ),
                Table(
                    "plots.panels",
                    "One axes: a column of each run's result, one point per row (a series), or one column "
                    "against another (a path).",
                    array=True,
                    required=True,
                    keys=(
                        Key(
                            "kind",
                            one_of(*PANEL_KINDS),
                            PANEL_KINDS[0],
                            'What is drawn: `column` against the row ("series") or against `xcolumn` ("path").',
                        ),
                        Key("ylabel", STRING, REQUIRED, "The y axis's label."),
                        Key("column", INTEGER, REQUIRED, "The column of each run's result drawn (a path's y)."),
                        Key("xcolumn", INTEGER, None, 'A path\'s x: the column on the x axis (with kind = "path").'),
                        Key(
                            "xlabel",
                            STRING,
                            None,
                            "A path's x axis's label.",
                            shown_default="the plot's `xlabel`",
                        ),
                        Key(
                            "background",
                            STRING,
                            None,
                            "A path's background: a function f(x, y) of the reference, drawn as a contour over "
                            "`xrange` × `yrange` behind the paths.",
                        ),
                        Key("xrange", RANGE, None, "The background's x extent, e.g. [-3, 3]."),
                        Key("yrange", RANGE, None, "The background's y extent."),
                        Key("grid", GRID_SIZE, DEFAULT_GRID, "The background's points per side."),
                        Key("levels", GRID_SIZE, DEFAULT_LEVELS, "The background's contour levels."),
                        Key(
                            "transform",
                            one_of(*TRANSFORMS),
                            TRANSFORMS[0],
                            'What is drawn: the value, its size ("abs") or its distance from `about`.',
                        ),
                        Key("about", NUMBER, 0.0, 'The value "distance" measures from.'),
                        Key("yscale", one_of(*YSCALES), YSCALES[0], "The y axis's scale."),
                    ),
                ),
            ),
        ),
    ),
)
"""Every table and key of assignment.toml: the loader reads nothing else, and a file may hold nothing else."""
