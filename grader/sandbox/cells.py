"""Runs a converted notebook's code cells in the worker, each on its own: one that raises is reported and skipped.

The grader turns a notebook into a small Python file holding data (the lines of its code cells laid out as
one virtual file, and where each cell is in it) and a call to `run_cells`; the worker loads that file like
any submission. This module runs beside the student's code, so it decides nothing: it runs each cell and
says which raised. It imports only the standard library and the protocol: a worker may run on a plain
Python with NumPy and pytest alone.

Each cell is compiled under the converted file's name with its lines where they are in the virtual file,
and those lines are put in linecache, so an error's line and code in a report are the notebook's own.
Before each cell it sends the cell's number as a progress note over the worker's channel (the hook the
worker binds in the module while loading): after a kill for time, the trusted side names that cell.
What it writes itself (a skipped cell, a warning) names "cell N, line M" and starts on a line of its own,
even when the student's last print ended without a newline.
"""

from __future__ import annotations

import builtins
import linecache
import sys
import traceback
import types
import warnings
from collections.abc import Sequence
from typing import Any, TextIO

from grader.sandbox import protocol

Span = tuple[int, int, int]
"""A code cell in the virtual file: its number among the code cells, its first line, how many lines it has."""

STAND_IN_MODULES = (
    "IPython", "IPython.display", "IPython.core", "IPython.core.display",
    "matplotlib_inline", "matplotlib_inline.backend_inline",
)  # fmt: skip
"""What a notebook environment always has: made importable as harmless stand-ins when not installed."""

DISPLAY_NAMES = (
    "display", "clear_output", "set_matplotlib_formats", "HTML", "Markdown", "Image", "Math", "Latex", "get_ipython",
)  # fmt: skip
"""The names the stand-in modules hold, each a function that does nothing."""

IPYTHON_VERSION = (9, 0, 0)
"""The stand-in IPython's version_info: libraries that see IPython loaded (matplotlib) ask which one it is."""


def run_cells(namespace: dict[str, Any], spans: Sequence[Span], lines: Sequence[str]) -> None:
    """Runs each cell in `namespace` (the converted file's module), reporting and skipping one that raises."""
    progress = namespace.pop(protocol.PROGRESS_HOOK, None)
    path = namespace["__file__"]
    install_stand_ins()
    linecache.cache[path] = (sum(map(len, lines)), None, list(lines), path)
    output = _Output(path, spans, lines)
    for number, first, count in spans:
        if progress is not None:
            progress(number)
        source = "\n" * (first - 1) + "".join(lines[first - 1 : first - 1 + count])
        try:
            exec(compile(source, path, "exec"), namespace)
        except (Exception, SystemExit) as error:  # noqa: BLE001 - a student's cell may raise anything: reported
            output.skipped(number, error)


def nothing(*args: Any, **kwargs: Any) -> None:
    """Does nothing: what the stand-ins' display functions do."""


class Shell:
    """What `get_ipython()` gives a notebook's code: IPython's shell, whose commands here do nothing.

    Code exported from Jupyter calls it (`get_ipython().system("pip install x")`); no shell command,
    magic or help lookup runs in a worker.
    """

    def system(self, *args: Any, **kwargs: Any) -> None:
        return None

    def getoutput(self, *args: Any, **kwargs: Any) -> list[str]:
        return []

    def run_line_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def run_cell_magic(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return nothing


def install_stand_ins() -> None:
    """Makes IPython's modules and Jupyter's built-in names usable: the real ones when installed, else stand-ins."""
    shell = Shell()
    for name in STAND_IN_MODULES:
        try:
            __import__(name)
        except ImportError:
            module = types.ModuleType(name)
            # A module's get_ipython gives None, as outside a kernel: libraries (matplotlib) ask it whether one runs.
            vars(module).update(dict.fromkeys(DISPLAY_NAMES, nothing), version_info=IPYTHON_VERSION)
            sys.modules[name] = module
            parent, _, child = name.rpartition(".")
            if parent in sys.modules:
                setattr(sys.modules[parent], child, module)
    if not hasattr(builtins, "display"):
        builtins.display = nothing  # type: ignore[attr-defined]  # a kernel's built-in name
    if not hasattr(builtins, "get_ipython"):
        builtins.get_ipython = lambda: shell  # type: ignore[attr-defined]  # a kernel's built-in name


class _Tracked:
    """A stream that notes whether what was last written to it ended a line."""

    def __init__(self, stream: TextIO, output: _Output):
        self._stream = stream
        self._output = output

    def write(self, text: str) -> int:
        written = self._stream.write(text)
        if text:
            self._output.ended = str(text).endswith("\n")
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _Output:
    """Writes the driver's own messages, each on a line of its own, and makes warnings name cells.

    Both stay after loading: a warning a call raises later still names its cell.
    """

    def __init__(self, path: str, spans: Sequence[Span], lines: Sequence[str]):
        self.path = path
        self.spans = spans
        self.lines = lines
        self.ended = True
        sys.stdout = _Tracked(sys.stdout, self)  # type: ignore[assignment]
        sys.stderr = _Tracked(sys.stderr, self)  # type: ignore[assignment]
        warnings.showwarning = self.show_warning

    def where(self, line: int | None) -> tuple[str, str] | None:
        """Returns "cell N, line M" and that line's code, indented, for a line of the file; None outside cells."""
        for number, first, count in self.spans:
            if line and first <= line < first + count:
                code = self.lines[line - 1].strip()
                return f"cell {number}, line {line - first + 1}", f"\n    {code}" if code else ""
        return None

    def say(self, message: str) -> None:
        sys.stderr.write(("" if self.ended else "\n") + message + "\n")

    def show_warning(
        self, message: Any, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
    ) -> None:
        found = self.where(lineno) if filename == self.path else None
        if found is None:
            self.say(warnings.formatwarning(message, category, filename, lineno, line).rstrip("\n"))
        else:
            self.say(f"{found[0]}: {category.__name__}: {message}{found[1]}")

    def skipped(self, number: int, error: BaseException) -> None:
        """Says where cell `number` raised `error` and what the grader skipped."""
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == self.path]
        line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
        line = line or (frames[-1].lineno if frames else None)
        place, code = self.where(line) or (f"cell {number}", "")
        message = error.msg if isinstance(error, SyntaxError) else error
        skipped = f"cell {number}" if isinstance(error, SyntaxError) else f"the rest of cell {number}"
        self.say(f"{place} raised {type(error).__name__}: {message}; the grader skipped {skipped}{code}")
