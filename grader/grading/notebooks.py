"""Returns the Python source a notebook submission is graded as: its code cells in order, each run on its own.

A notebook's JSON is untrusted data read in the trusted process: it is size-limited and checked field by
field, and nothing in it runs here. The Python it becomes runs in the worker like any submission: each
code cell is compiled and run by itself, so a cell that raises is reported (in what the code printed)
and skipped, and the functions the other cells define still earn their points. IPython magics (`%...`,
`%%...`) and shell escapes (`!...`) are not Python and are dropped; plotting needs nothing special
because the worker draws with matplotlib's headless Agg backend.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grader.formatting import shorten
from grader.sandbox import protocol

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
"""Colab notebooks keep their outputs (images) inside; beyond this a file is not a plausible submission."""

MAX_NOTEBOOK_ITEMS = 1_000_000
MAX_NOTEBOOK_DEPTH = 64
"""JSON values and nesting a notebook may have: parsing it costs bounded time and memory whatever it holds."""

PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
"""Cell magics whose body is Python: the magic line is dropped and the body kept."""

_MAGIC_LINE = re.compile(r"^(\s*)([%!].*|\?\??[\w.]+\s*|[\w.]+\?\??\s*)$")
"""IPython-only lines: magics, shell escapes, and help lookups (`name?`, `name??`, `?name`)."""
_CELL_MAGIC = re.compile(r"^\s*%%(\w+)")


class UnreadableNotebook(Exception):
    """A notebook submission that cannot be turned into Python; the message is for the student."""


@dataclass(frozen=True)
class Cell:
    """One code cell as it will run: its number among the code cells and its Python lines."""

    number: int
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Positions:
    """Where each line of a converted notebook came from: the trusted side made the file, so it knows."""

    cells: tuple[tuple[int, int, int], ...]
    """Per code cell: its number, its first line in the converted file, and how many lines it has."""

    def of(self, line: int | None) -> tuple[int, int] | None:
        """Returns (cell number, line in that cell) for a line of the converted file; None outside any cell."""
        for number, first, count in self.cells:
            if line is not None and first <= line < first + count:
                return number, line - first + 1
        return None

    def has_cell(self, number: int) -> bool:
        """Returns whether the notebook has a code cell numbered `number`."""
        return any(cell == number for cell, _, _ in self.cells)


def is_notebook(path: Path) -> bool:
    """Returns whether `path` names a notebook (by its suffix)."""
    return path.suffix == NOTEBOOK_SUFFIX


def read_cells(path: Path) -> list[Cell]:
    """Returns the notebook's code cells with magics dropped; raises UnreadableNotebook naming the problem."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise _unreadable(path, f"it is {size // (1024 * 1024)} MB, more than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        with path.open("rb") as file:
            raw = file.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as error:
        raise _unreadable(path, f"it could not be read ({error.strerror})") from None
    try:
        protocol.check_shape(raw, MAX_NOTEBOOK_ITEMS, MAX_NOTEBOOK_DEPTH)
        notebook = json.loads(raw.decode("utf-8-sig"))
    except protocol.ProtocolError as error:
        raise _unreadable(path, str(error).replace("a reply", "its JSON")) from None
    except UnicodeDecodeError:
        raise _unreadable(path, "it is not UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise _unreadable(path, f"it is not valid JSON (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise _unreadable(path, "its JSON is nested too deeply") from None
    except ValueError as error:  # json's own limits, e.g. an integer of more than 4300 digits
        raise _unreadable(path, f"its JSON holds a value Python refuses ({shorten(str(error), 200)})") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise _unreadable(
            path, 'it has no list of "cells" (the grader reads notebook format 4, as Jupyter and Colab save)'
        )
    code_cells: list[Cell] = []
    for index, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            raise _unreadable(path, f"cell {index} is not a JSON object")
        if cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(part, str) for part in source):
            source = "".join(source)
        if not isinstance(source, str):
            raise _unreadable(path, f'the "source" of cell {index} is not text')
        code_cells.append(Cell(len(code_cells) + 1, tuple(_without_magics(source.splitlines()))))
    return code_cells


def python_source(path: Path) -> str:
    """Returns the Python module a notebook is graded as (see the module docstring)."""
    return converted(path)[0]


def converted(path: Path) -> tuple[str, Positions]:
    """Returns the Python module a notebook is graded as and where each of its lines came from."""
    cells = read_cells(path)
    lines: list[str] = []
    runs: list[tuple[int, int, str]] = []
    for cell in cells:
        lines.append(f"# %% code cell {cell.number}")
        runs.append((cell.number, len(lines) + 1, "".join(line + "\n" for line in cell.lines)))
        lines.extend(cell.lines)
        lines.append("")
    virtual = [line + "\n" for line in lines]
    starts = (first for _, first, _ in runs)
    spans = ((cell.number, first, len(cell.lines)) for cell, first in zip(cells, starts, strict=True))
    positions = Positions(tuple(spans))
    return _DRIVER.format(cells=repr(runs), lines=repr(virtual), progress=protocol.PROGRESS_HOOK), positions


@contextlib.contextmanager
def python_file(path: Path) -> Iterator[Path]:
    """Yields a Python file to load for the submission at `path`: itself, or a notebook's converted source.

    Raises UnreadableNotebook for a notebook that cannot be converted. The converted file is removed on exit.
    """
    with loadable_file(path) as (file, _):
        yield file


@contextlib.contextmanager
def loadable_file(path: Path) -> Iterator[tuple[Path, Positions | None]]:
    """Yields python_file's file and, for a notebook, where its lines came from (None for a Python file)."""
    if not is_notebook(path):
        yield path, None
        return
    source, positions = converted(path)
    handle, name = tempfile.mkstemp(prefix="grader-notebook-", suffix=".py")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(source)
        yield Path(name), positions
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _without_magics(lines: list[str]) -> list[str]:
    """Returns the cell's lines with IPython-only lines replaced by `pass`, keeping line numbers and indents."""
    if lines and (magic := _CELL_MAGIC.match(lines[0])):
        if magic.group(1) not in PYTHON_CELL_MAGICS:
            return ["pass  # the grader dropped this cell: its %%" + magic.group(1) + " magic is not Python"]
        lines = ["pass  # the grader dropped: " + lines[0].strip(), *lines[1:]]
    kept = []
    for line in lines:
        match = _MAGIC_LINE.match(line)
        kept.append(f"{match.group(1)}pass  # the grader dropped: {match.group(2)}" if match else line)
    return kept


def _unreadable(path: Path, problem: str) -> UnreadableNotebook:
    return UnreadableNotebook(
        f"the grader could not read {path.name} as a notebook: {problem}. Save it again from Jupyter or Colab "
        f"(File > Download > .ipynb) and submit that file."
    )


# Runs in the worker beside the student's code, so it decides nothing: it runs each cell and says which
# raised. Each cell is compiled under this file's name with its lines where they are in `lines`, and
# `lines` is put in linecache, so an error's line and code shown in a report are the notebook's own.
# Before each cell it sends the cell's number as a progress note over the worker's channel (the hook the
# worker binds in the module while loading): after a kill for time, the trusted side names that cell.
# What it writes itself (a skipped cell, a warning) names "cell N, line M" and starts on a line of its own,
# even when the student's last print ended without a newline.
_DRIVER = '''\
"""A notebook submission converted by the grader: each code cell runs on its own; one that raises is skipped."""


def _grader_stand_ins():
    """Makes what a notebook environment always has importable here, as harmless stand-ins."""
    import builtins
    import sys
    import types

    def nothing(*args, **kwargs):
        return None

    shown = dict.fromkeys(("display", "clear_output", "set_matplotlib_formats", "HTML", "Markdown", "Image",
                           "Math", "Latex", "get_ipython"), nothing)

    def stand_in(name, **names):
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name)
            vars(module).update(names)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)

    # version_info: libraries that see IPython loaded (matplotlib) ask which one it is.
    for name in ("IPython", "IPython.display", "IPython.core", "IPython.core.display"):
        stand_in(name, version_info=(9, 0, 0), **shown)
    for name in ("matplotlib_inline", "matplotlib_inline.backend_inline"):
        stand_in(name, **shown)
    if not hasattr(builtins, "display"):
        builtins.display = nothing


def _grader_output(cells, lines):
    """Returns a writer that starts on a new line, and makes warnings name cells; both stay after loading."""
    import sys
    import warnings

    ended = [True]
    me = __file__

    class Tracked:
        def __init__(self, stream):
            self._stream = stream

        def write(self, text):
            written = self._stream.write(text)
            if text:
                ended[0] = str(text).endswith("\\n")
            return written

        def __getattr__(self, name):
            return getattr(self._stream, name)

    sys.stdout, sys.stderr = Tracked(sys.stdout), Tracked(sys.stderr)

    def where(line):
        """Returns "cell N, line M" and that line's code, indented, for a line of this file; None outside cells."""
        for number, first_line, source in cells:
            if line and first_line <= line < first_line + source.count("\\n"):
                code = lines[line - 1].strip()
                return f"cell {{number}}, line {{line - first_line + 1}}", f"\\n    {{code}}" if code else ""
        return None

    def say(message):
        sys.stderr.write(("" if ended[0] else "\\n") + message + "\\n")

    def show_warning(message, category, filename, lineno, file=None, line=None):
        found = where(lineno) if filename == me else None
        if found is None:
            say(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\\n"))
        else:
            say(f"{{found[0]}}: {{category.__name__}}: {{message}}{{found[1]}}")

    warnings.showwarning = show_warning
    return say, where


def _grader_run_cells(cells, lines, progress):
    import linecache
    import traceback

    linecache.cache[__file__] = (sum(map(len, lines)), None, lines, __file__)
    say, where = _grader_output(cells, lines)
    for number, first_line, source in cells:
        if progress is not None:
            progress(number)
        try:
            exec(compile("\\n" * (first_line - 1) + source, __file__, "exec"), globals())
        except (Exception, SystemExit) as error:
            frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == __file__]
            line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
            line = line or (frames[-1].lineno if frames else None)
            place, code = where(line) or (f"cell {{number}}", "")
            message = error.msg if isinstance(error, SyntaxError) else error
            skipped = f"cell {{number}}" if isinstance(error, SyntaxError) else f"the rest of cell {{number}}"
            say(f"{{place}} raised {{type(error).__name__}}: {{message}}; the grader skipped {{skipped}}{{code}}")


_grader_stand_ins()
_grader_run_cells({cells}, {lines}, globals().pop("{progress}", None))
del _grader_run_cells, _grader_stand_ins, _grader_output
'''
