"""Returns the Python a notebook submission is graded as: its code cells in order, each run on its own.

A notebook's JSON is untrusted data read in the trusted process: its size, its nesting and the number of
values in it are bounded before anything parses it, then nbformat reads it and checks it against the
notebook format, and nothing in it runs here. The Python it becomes is a small file of data (the cells'
lines) and a call into grader.sandbox.cells, which runs in the worker like any submission: each code cell
is compiled and run by itself, so a cell that raises is reported (in what the code printed) and skipped,
and the functions the other cells define still earn their points. IPython-only lines are made inert
(grader.grading.magics); plotting needs nothing special because the worker draws with matplotlib's
headless Agg backend. Scripts split into cells by `# %%` lines (VS Code, Spyder, jupytext) give the same
cells (script_cells) and are graded the same way, their lines kept where the script has them; a Python
file without markers runs as one cell (converted_script; see grader.sandbox.cells for what that changes).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.formatting import shorten
from grader.grading.magics import python_lines
from grader.sandbox import cells as driver
from grader.sandbox import protocol

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
"""Colab notebooks keep their outputs (images) inside; beyond this a file is not a plausible submission."""

MAX_NOTEBOOK_ITEMS = 1_000_000
MAX_NOTEBOOK_DEPTH = 64
"""JSON values and nesting a notebook may have: parsing it costs bounded time and memory whatever it holds."""

NO_CELLS = 'it has no list of "cells" (the grader reads notebook format 4, as Jupyter and Colab save)'

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
"""Where Python and Jupyter's editor end a line (str.splitlines also splits at characters inside strings)."""
_CELL_MARKER = re.compile(r"#\s*(%%(\s|$)|<codecell>|<markdowncell>|<rawcell>|In\[[\d ]*\]:?\s*$)")
"""A script's cell marker, as VS Code, Spyder and jupytext's percent format read them."""
_TEXT_MARKER = re.compile(r"#\s*(%%.*\[(markdown|md|raw)\]|<markdowncell>|<rawcell>)")


class UnreadableNotebook(Exception):
    """A notebook submission that cannot be turned into Python; the message is for the student."""


@dataclass(frozen=True)
class Cell:
    """One code cell as it will run: its number among the code cells and its Python lines."""

    number: int
    lines: tuple[str, ...]
    first_line: int | None = None
    """For a script's cell, the line of the script its first line is; None in a notebook."""


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
    """Returns whether `path` names a notebook (by its suffix, in any case: `.IPYNB` too)."""
    return path.suffix.casefold() == NOTEBOOK_SUFFIX


def read_cells(path: Path) -> list[Cell]:
    """Returns the notebook's code cells with magics made inert; raises UnreadableNotebook naming the problem."""
    sources = _code_sources(_json_document(path), path)
    return [Cell(number, tuple(python_lines(_lines(source)))) for number, source in enumerate(sources, start=1)]


def script_cells(text: str) -> list[Cell]:
    """Returns the code cells of a script split by cell markers (`# %%`), numbered as a notebook's; [] if none.

    Code above the first marker is a cell of its own (a script's imports often sit there); markdown and
    raw cells (`# %% [markdown]`) are skipped, as in a notebook. Each cell's lines are where the script has
    them, IPython-only lines made inert as in a notebook (VS Code and Spyder run cells in IPython).
    """
    lines = _lines(text)
    markers = [index for index, line in enumerate(lines) if _CELL_MARKER.match(line)]
    if not markers:
        return []
    bodies: list[tuple[int, list[str]]] = []
    header = lines[: markers[0]]
    if any(line.strip() and not line.lstrip().startswith("#") for line in header):
        bodies.append((0, header))
    for marker, end in zip(markers, [*markers[1:], len(lines)], strict=True):
        if not _TEXT_MARKER.match(lines[marker]):
            bodies.append((marker + 1, lines[marker + 1 : end]))
    return [
        Cell(number, tuple(python_lines(body)), first_line=first + 1)
        for number, (first, body) in enumerate(bodies, start=1)
    ]


def python_source(path: Path) -> str:
    """Returns the Python module a notebook is graded as (see the module docstring)."""
    return converted(path)[0]


def converted(path: Path) -> tuple[str, Positions]:
    """Returns the Python module a notebook is graded as and where each of its lines came from."""
    return converted_cells(read_cells(path))


def converted_cells(cells: list[Cell]) -> tuple[str, Positions]:
    """Returns the Python module that runs `cells` each on its own and where each of its lines came from.

    The cells' lines are laid out as one virtual file (a header line before each cell), which the driver
    puts in linecache under the module's name; the module's own code sits below the last virtual line,
    so no line of it is ever taken for a line of a cell.
    """
    lines: list[str] = []
    spans: list[tuple[int, int, int]] = []
    for cell in cells:
        lines.append(f"# %% code cell {cell.number}")
        spans.append((cell.number, len(lines) + 1, len(cell.lines)))
        lines.extend(cell.lines)
        lines.append("")
    return _driver_module(lines, spans, "notebook"), Positions(tuple(spans))


def converted_script(text: str) -> str:
    """Returns the Python module a Python file is graded as: its cells (`# %%`) each on its own, or, with no
    marker, the whole file as one cell; every line where the file has it, so "line L" is the file's own."""
    lines = _lines(text)
    cells = script_cells(text)
    if not cells:
        return _driver_module(lines, [(1, 1, len(lines))], "file")
    virtual = list(lines)
    for cell in cells:
        first = (cell.first_line or 1) - 1
        virtual[first : first + len(cell.lines)] = cell.lines  # magics made inert, line for line
    spans = [(cell.number, cell.first_line or 1, len(cell.lines)) for cell in cells]
    return _driver_module(virtual, spans, "script")


def _driver_module(lines: list[str], spans: list[tuple[int, int, int]], kind: str) -> str:
    """Returns a module holding `lines` as data (below its docstring, one empty line each) and the driver's call."""
    virtual = [line + "\n" for line in lines]
    return (
        f'"""A {"notebook" if kind == "notebook" else "Python"} submission converted by the grader: each code cell '
        'runs on its own; one that raises is skipped."""\n'
        + "\n" * len(virtual)
        + f"from {driver.__name__} import run_cells as _grader_run_cells\n\n"
        + f"_grader_run_cells(globals(), {spans!r}, {virtual!r}, {kind!r})\n"
        + "del _grader_run_cells\n"
    )


@contextlib.contextmanager
def python_file(path: Path) -> Iterator[Path]:
    """Yields a Python file to load for the submission at `path`: itself, or a notebook's converted source.

    Raises UnreadableNotebook for a notebook that cannot be converted. The converted file is removed on exit.
    """
    with loadable_file(path) as (file, _):
        yield file


@contextlib.contextmanager
def loadable_file(path: Path) -> Iterator[tuple[Path, Positions | None]]:
    """Yields python_file's file and, for a notebook, where its lines came from (None for a Python file,
    whose converted lines are where the file has them).

    A Python file is converted too (converted_script), so a script runs cell by cell as a notebook does;
    one whose text Python would not decode is loaded as it is, and Python says why it cannot read it.
    """
    positions: Positions | None = None
    if is_notebook(path):
        source: str | None
        source, positions = converted(path)
    elif (source := _converted_python(path)) is None:
        yield path, None
        return
    handle, name = tempfile.mkstemp(prefix="grader-notebook-", suffix=".py")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(source)
        yield Path(name), positions
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _converted_python(path: Path) -> str | None:
    """Returns converted_script of a Python file, decoded as Python decodes it; None when it cannot be."""
    try:
        with path.open("rb") as file:
            encoding, _ = tokenize.detect_encoding(file.readline)
            file.seek(0)
            return converted_script(file.read().decode(encoding))
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError):  # Python's own load then says why
        return None


def _json_document(path: Path) -> Any:
    """Returns the notebook file's JSON, read within the bounds nbformat does not keep (size, shape, UTF-8)."""
    try:
        size = path.stat().st_size
        if size > MAX_NOTEBOOK_BYTES:
            raise _unreadable(path, f"it is {size // (1024 * 1024)} MB, more than {MAX_NOTEBOOK_BYTES // 2**20} MB")
        with path.open("rb") as file:
            raw = file.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as error:
        raise _unreadable(path, f"it could not be read ({error.strerror})") from None
    try:
        protocol.check_shape(raw, MAX_NOTEBOOK_ITEMS, MAX_NOTEBOOK_DEPTH)  # before any parser builds anything
        return json.loads(raw.decode("utf-8-sig"))
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


def ready_to_read() -> None:
    """Imports nbformat and builds its format-4 validator now (19 MB, most of it jsonschema's): done before
    forking grading processes, those pages are then shared by all of them instead of built in each."""
    import nbformat

    nbformat.validate(_graded_part({"cells": []}))


def _code_sources(document: Any, path: Path) -> list[str]:
    """Returns the sources of the notebook's code cells, as nbformat reads them once it has checked them.

    Format 4 (Jupyter, Colab) is checked on the part grading reads (see _graded_part); format 3 (IPython
    2 and older) is checked whole and converted by nbformat, as Jupyter converts it on opening.
    """
    import nbformat  # here, not at the top: 0.2 s of imports (jsonschema, traitlets) only where notebooks are

    if not isinstance(document, dict):
        raise _unreadable(path, NO_CELLS)
    version = document.get("nbformat", 4)  # a notebook without its version is read as format 4, its cells' format
    try:
        if version == 3:
            notebook = _format_3(document, path)
        elif version == 4:
            part = _graded_part(document)
            nbformat.validate(part)
            notebook = nbformat.v4.to_notebook_json(part)
        else:
            problem = f"it says it is notebook format {shorten(repr(version), 40)}"
            raise _unreadable(path, problem + "; the grader reads format 4, as Jupyter and Colab save, and 3")
    except nbformat.ValidationError as error:
        raise _unreadable(path, _plain_problem(error)) from None
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def _format_3(document: dict[str, Any], path: Path) -> Any:
    """Returns an IPython 2 notebook (format 3) checked and converted to format 4 by nbformat."""
    import nbformat

    try:
        nbformat.validate(document)
        return nbformat.convert(nbformat.v3.to_notebook_json(document), 4)
    except (TypeError, ValueError, KeyError, AttributeError):  # nbformat's format-3 code fails so on odd values
        raise _unreadable(path, "it is an old notebook (format 3) that nbformat cannot read") from None


def _graded_part(document: dict[str, Any]) -> dict[str, Any]:
    """Returns the part of a format-4 notebook that grading reads, as a notebook of its own: its code cells'
    sources, where they are among the cells.

    nbformat's schema is strict about parts no code runs from, and tools write some it refuses: Colab and
    VS Code add keys, older Jupyter versions leave out `outputs` or ids, execution counts go wrong. Jupyter
    opens such notebooks (with a warning), so the grader grades them: outputs, metadata, execution
    counts, ids and other cells' contents are left out here, and the schema judges what remains in full.
    """
    part: dict[str, Any] = {"nbformat": 4, "nbformat_minor": 4, "metadata": {}}
    cells = document.get("cells")
    if cells is None:
        return part
    if not isinstance(cells, list):
        return {**part, "cells": cells}
    return {**part, "cells": [_graded_cell(cell) for cell in cells]}


def _graded_cell(cell: Any) -> Any:
    """Returns what grading reads of a cell: a code cell's source; nothing of another cell (but its place)."""
    if not isinstance(cell, dict):
        return cell  # not a cell at all: the schema says so
    if cell.get("cell_type") != "code":
        return {"cell_type": "raw", "metadata": {}, "source": ""}
    source = cell.get("source", "")  # a cell without one is empty, as Jupyter shows it
    return {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source}


def _plain_problem(error: Any) -> str:
    """Returns what an nbformat ValidationError says, in the student's words."""
    where = list(error.absolute_path)
    if where == ["cells"] or (where == [] and "'cells'" in str(error.message)):
        return NO_CELLS
    if len(where) >= 2 and where[0] == "cells" and isinstance(where[1], int):
        if len(where) == 2 and not isinstance(error.instance, dict):
            return f"cell {where[1] + 1} is not a JSON object"
        if where[2:3] == ["source"]:
            return f'the "source" of cell {where[1] + 1} is not text'
    place = "/".join(str(step) for step in where)
    return f"it does not follow the notebook format ({shorten(str(error.message), 160)} at {place or 'its top'})"


def _lines(text: str) -> list[str]:
    """Returns the lines of `text` split where Python ends a line, without their line ends."""
    lines = _LINE_BREAK.split(text)
    return lines[:-1] if lines and lines[-1] == "" else lines


def _unreadable(path: Path, problem: str) -> UnreadableNotebook:
    return UnreadableNotebook(
        f"the grader could not read {path.name} as a notebook: {problem}. Save it again from Jupyter or Colab "
        f"(File > Download > .ipynb) and submit that file."
    )
